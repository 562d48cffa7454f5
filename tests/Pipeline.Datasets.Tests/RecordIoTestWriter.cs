using System.Buffers.Binary;
using System.Globalization;

namespace Pipeline.Datasets.Tests;

/// <summary>
/// Builds a train.rec / train.idx pair from the layout documented in datasets/README.md, written
/// independently of the reader: dmlc framing (magic, lrecord = cflag &lt;&lt; 29 | length, 4-byte
/// padding, records split where the payload holds the magic), MXNet IRHeader, insightface's header
/// record 0 and per-identity header records.
/// </summary>
public sealed class RecordIoTestWriter
{
    private const uint Magic = 0xced7230a;
    private readonly MemoryStream _rec = new();
    private readonly List<(long Key, long Offset)> _index = [];

    public void Write(long key, uint flag, float label, float[]? labels, ReadOnlySpan<byte> payload, ulong id = 0, ulong id2 = 0)
    {
        var body = new byte[24 + 4 * (labels?.Length ?? 0) + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(body, flag);
        BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(4), label);
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(8), id);
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(16), id2);
        for (int i = 0; i < (labels?.Length ?? 0); i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(24 + 4 * i), labels![i]);
        payload.CopyTo(body.AsSpan(24 + 4 * (labels?.Length ?? 0)));
        _index.Add((key, _rec.Position));
        WriteFramed(body);
    }

    /// <summary>dmlc RecordIOWriter::WriteRecord: split at every aligned occurrence of the magic word.</summary>
    private void WriteFramed(byte[] body)
    {
        int len = body.Length, lowerAlign = len & ~3, dptr = 0;
        for (int i = 0; i < lowerAlign; i += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(i)) != Magic) continue;
            Header(dptr == 0 ? 1u : 2u, i - dptr);
            _rec.Write(body, dptr, i - dptr);
            dptr = i + 4;
        }
        Header(dptr != 0 ? 3u : 0u, len - dptr);
        _rec.Write(body, dptr, len - dptr);
        int pad = ((len + 3) & ~3) - len;
        _rec.Write(new byte[pad]);
    }

    private void Header(uint cflag, int length)
    {
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], cflag << 29 | (uint)length);
        _rec.Write(h);
    }

    /// <summary>An insightface-style set: record 0 header, images 1..n, then one header record per identity.</summary>
    public static RecordIoTestWriter Insightface(IReadOnlyList<(int Label, byte[] Jpeg)> images)
    {
        var w = new RecordIoTestWriter();
        var labels = images.Select(i => i.Label).Distinct().Order().ToList();
        long firstIdentityKey = images.Count + 1, end = firstIdentityKey + labels.Count;
        w.Write(0, 2, 0, [firstIdentityKey, end], []);
        for (int i = 0; i < images.Count; i++) w.Write(i + 1, 0, images[i].Label, null, images[i].Jpeg, id: (ulong)(i + 1));
        long key = firstIdentityKey;
        foreach (var label in labels)
        {
            int start = images.Select((img, i) => (img, i)).First(x => x.img.Label == label).i + 1;
            int stop = images.Select((img, i) => (img, i)).Last(x => x.img.Label == label).i + 2;
            w.Write(key++, 2, 0, [start, stop], []);
        }
        return w;
    }

    public void Save(string recPath, string? idxPath)
    {
        File.WriteAllBytes(recPath, _rec.ToArray());
        if (idxPath is not null)
            File.WriteAllLines(idxPath, _index.Select(x => $"{x.Key.ToString(CultureInfo.InvariantCulture)}\t{x.Offset.ToString(CultureInfo.InvariantCulture)}"));
    }
}
