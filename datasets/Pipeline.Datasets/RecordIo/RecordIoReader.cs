using System.Buffers.Binary;
using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>Reads RecordIO records one at a time, sequentially or at offsets from a .idx file.</summary>
public sealed class RecordIoReader(Stream rec, bool leaveOpen = false) : IDisposable
{
    private static readonly byte[] MagicBytes = BitConverter.GetBytes(RecordIoFormat.Magic);
    private readonly byte[] _head = new byte[8];

    public long Position => rec.Position;

    /// <summary>The next whole record (parts joined), or null at the end of the stream.</summary>
    public byte[]? ReadNext()
    {
        using var body = new MemoryStream();
        bool first = true;
        while (true)
        {
            int n = rec.ReadAtLeast(_head, 8, throwOnEndOfStream: false);
            if (n == 0 && first) return null;
            if (n < 8) throw new InvalidDataException($"truncated record header at byte {rec.Position - n}");
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(_head);
            if (magic != RecordIoFormat.Magic) throw new InvalidDataException($"bad record magic 0x{magic:x8} at byte {rec.Position - 8}");
            uint lrec = BinaryPrimitives.ReadUInt32LittleEndian(_head.AsSpan(4));
            uint cflag = RecordIoFormat.CFlag(lrec);
            int length = RecordIoFormat.Length(lrec);
            if (first ? cflag is 2 or 3 : cflag is 0 or 1)
                throw new InvalidDataException($"record part with cflag {cflag} out of sequence at byte {rec.Position - 8}");
            var part = new byte[RecordIoFormat.Padded(length)];
            if (rec.ReadAtLeast(part, part.Length, throwOnEndOfStream: false) < part.Length)
                throw new InvalidDataException($"truncated record body at byte {rec.Position}");
            body.Write(part, 0, length);
            if (cflag is 0 or 3) return body.ToArray();
            // The writer split the payload where it held the magic word: put it back.
            body.Write(MagicBytes);
            first = false;
        }
    }

    public byte[]? ReadAt(long offset)
    {
        if (rec.Position != offset) rec.Seek(offset, SeekOrigin.Begin);
        return ReadNext();
    }

    /// <summary>Streams "key\toffset" lines of an MXNet .idx file.</summary>
    public static IEnumerable<(long Key, long Offset)> ReadIndex(TextReader idx)
    {
        string? line;
        int lineNo = 0;
        while ((line = idx.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var parts = line.Split('\t', ' ');
            if (parts.Length < 2
                || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var key)
                || !long.TryParse(parts[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset))
                throw new InvalidDataException($".idx line {lineNo}: expected 'key<TAB>offset', got '{line}'");
            yield return (key, offset);
        }
    }

    public void Dispose()
    {
        if (!leaveOpen) rec.Dispose();
    }
}
