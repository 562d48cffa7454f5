using System.Buffers.Binary;

namespace Pipeline.Datasets;

/// <summary>
/// MXNet's image record header (struct IRHeader, 24 bytes, little-endian):
/// uint32 flag; float32 label; uint64 id; uint64 id2. When flag &gt; 0, flag float32 labels follow
/// it and <see cref="Label"/> is unused.
/// </summary>
public readonly record struct IRHeader(uint Flag, float Label, ulong Id, ulong Id2)
{
    public const int Size = 24;
}

/// <summary>A decoded image record: header, its label array (empty when flag is 0) and the payload.</summary>
public sealed record ImageRecord(IRHeader Header, float[] Labels, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The class label as insightface reads it: labels[0] when flag &gt; 0, else header.label.</summary>
    public float ClassLabel => Header.Flag > 0 ? Labels[0] : Header.Label;
}

/// <summary>
/// The dmlc/MXNet RecordIO framing (see datasets/README.md): each record is
/// uint32 magic 0xced7230a, uint32 lrecord (cflag = lrecord &gt;&gt; 29, length = lrecord &amp; 0x1FFFFFFF),
/// length bytes, zero padding to a multiple of 4. cflag 0 = whole record; 1/2/3 = first/middle/last
/// part of a record that was split where its payload held the magic (the reader re-inserts it).
/// </summary>
public static class RecordIoFormat
{
    public const uint Magic = 0xced7230a;
    public const int LengthBits = 29;
    public const uint LengthMask = (1u << LengthBits) - 1;

    public static uint CFlag(uint lrecord) => lrecord >> LengthBits;
    public static int Length(uint lrecord) => (int)(lrecord & LengthMask);
    public static int Padded(int length) => (length + 3) & ~3;

    /// <summary>Splits a record body into IRHeader, labels and payload.</summary>
    public static ImageRecord Unpack(ReadOnlyMemory<byte> record)
    {
        var s = record.Span;
        if (s.Length < IRHeader.Size) throw new InvalidDataException($"record of {s.Length} bytes is shorter than its 24-byte IRHeader");
        var header = new IRHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(s),
            BinaryPrimitives.ReadSingleLittleEndian(s[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[16..]));
        long labelBytes = 4L * header.Flag;
        if (IRHeader.Size + labelBytes > s.Length)
            throw new InvalidDataException($"IRHeader flag {header.Flag} promises more labels than the record holds");
        var labels = new float[header.Flag];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = BinaryPrimitives.ReadSingleLittleEndian(s[(IRHeader.Size + 4 * i)..]);
        return new ImageRecord(header, labels, record[(IRHeader.Size + (int)labelBytes)..]);
    }
}
