using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Datasets;

/// <summary>
/// The packed shard, version 1 (little-endian; see datasets/README.md):
/// <code>
///  0  4  magic "PDSH"
///  4  2  version (1)
///  6  2  channels (3: RGB)
///  8  4  image size S (images are S x S)
/// 12  4  count N
/// 16  8  pixel offset P (byte where the pixel block starts)
/// 24  ..  N x { int32 label; uint16 path byte length; UTF-8 path }
///  P  ..  N x S*S*3 bytes, HWC RGB uint8, image i at P + i*S*S*3
/// </code>
/// Labels index the manifest's identity list; paths are relative to the dataset root.
/// </summary>
public static class ShardFile
{
    public static ReadOnlySpan<byte> Magic => "PDSH"u8;
    public const ushort Version = 1;
    public const ushort Channels = 3;
    public const int FixedHeaderBytes = 24;

    public static string NameOf(int shardIndex) => $"shard-{shardIndex:D5}.bin";

    /// <summary>Reads the header and table, leaving the stream at the first pixel.</summary>
    public static ShardHeader ReadHeader(Stream s)
    {
        Span<byte> head = stackalloc byte[FixedHeaderBytes];
        s.ReadExactly(head);
        if (!head[..4].SequenceEqual(Magic)) throw new InvalidDataException("not a dataset shard (magic is not PDSH)");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(head[4..]);
        if (version != Version) throw new InvalidDataException($"shard version {version} is not supported (expected {Version})");
        ushort channels = BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
        if (channels != Channels) throw new InvalidDataException($"shard has {channels} channels, expected {Channels}");
        int size = BinaryPrimitives.ReadInt32LittleEndian(head[8..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(head[12..]);
        long pixelOffset = BinaryPrimitives.ReadInt64LittleEndian(head[16..]);
        if (size <= 0 || count < 0) throw new InvalidDataException($"shard header is corrupt (size {size}, count {count})");
        var labels = new int[count];
        var paths = new string[count];
        Span<byte> fixedPart = stackalloc byte[6];
        var pathBytes = new byte[ushort.MaxValue];
        long position = FixedHeaderBytes;
        for (int i = 0; i < count; i++)
        {
            s.ReadExactly(fixedPart);
            labels[i] = BinaryPrimitives.ReadInt32LittleEndian(fixedPart);
            int len = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[4..]);
            s.ReadExactly(pathBytes, 0, len);
            paths[i] = Encoding.UTF8.GetString(pathBytes, 0, len);
            position += 6 + len;
        }
        if (position != pixelOffset) throw new InvalidDataException($"shard table ends at {position}, header says pixels start at {pixelOffset}");
        return new ShardHeader(size, labels, paths, pixelOffset);
    }

    /// <summary>Reads the pixel block that follows the header into <paramref name="destination"/>.</summary>
    public static void ReadPixels(Stream s, ShardHeader header, Span<byte> destination)
    {
        if (destination.Length != header.PixelBytes) throw new ArgumentException($"need {header.PixelBytes} bytes", nameof(destination));
        s.ReadExactly(destination);
    }
}

/// <summary>What a shard holds, short of its pixels.</summary>
public sealed record ShardHeader(int ImageSize, int[] Labels, string[] Paths, long PixelOffset)
{
    public int Count => Labels.Length;
    public int ImageBytes => ImageSize * ImageSize * ShardFile.Channels;
    public long PixelBytes => (long)Count * ImageBytes;
}

/// <summary>Writes one shard: the table up front (so the output need not seek), then images in order.</summary>
public sealed class ShardWriter
{
    private readonly Stream _output;
    private readonly int _imageBytes;
    private readonly int _count;
    private int _written;

    public ShardWriter(Stream output, int imageSize, IReadOnlyList<int> labels, IReadOnlyList<string> paths)
    {
        if (labels.Count != paths.Count) throw new ArgumentException("one path per label");
        _output = output;
        _count = labels.Count;
        _imageBytes = imageSize * imageSize * ShardFile.Channels;
        var encoded = paths.Select(p => Encoding.UTF8.GetBytes(p)).ToArray();
        foreach (var (e, i) in encoded.Select((e, i) => (e, i)))
            if (e.Length > ushort.MaxValue) throw new ArgumentException($"{paths[i]}: path longer than {ushort.MaxValue} bytes");
        long pixelOffset = ShardFile.FixedHeaderBytes + encoded.Sum(e => 6L + e.Length);
        var head = new byte[ShardFile.FixedHeaderBytes];
        ShardFile.Magic.CopyTo(head);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(4), ShardFile.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(6), ShardFile.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(8), imageSize);
        BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(12), _count);
        BinaryPrimitives.WriteInt64LittleEndian(head.AsSpan(16), pixelOffset);
        output.Write(head);
        Span<byte> fixedPart = stackalloc byte[6];
        for (int i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart, labels[i]);
            BinaryPrimitives.WriteUInt16LittleEndian(fixedPart[4..], (ushort)encoded[i].Length);
            output.Write(fixedPart);
            output.Write(encoded[i]);
        }
    }

    public void Append(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != _imageBytes) throw new ArgumentException($"an image is {_imageBytes} bytes", nameof(rgb));
        if (_written == _count) throw new InvalidOperationException($"shard already holds its {_count} images");
        _output.Write(rgb);
        _written++;
    }

    /// <summary>Checks every announced image was written.</summary>
    public void Complete()
    {
        if (_written != _count) throw new InvalidOperationException($"shard announced {_count} images, {_written} written");
        _output.Flush();
    }
}
