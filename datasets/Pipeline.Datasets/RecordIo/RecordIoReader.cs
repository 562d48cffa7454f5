using System.Buffers.Binary;
using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>
/// Reads RecordIO records one at a time, sequentially or at offsets from a .idx file. A length field is
/// never trusted: nothing is allocated past <c>maxRecordBytes</c> or past the bytes the file still holds.
/// </summary>
public sealed class RecordIoReader(Stream rec, bool leaveOpen = false, long maxRecordBytes = RecordIoReader.DefaultMaxRecordBytes) : IDisposable
{
    /// <summary>A record (header, labels, image) larger than this is skipped, not read.</summary>
    public const long DefaultMaxRecordBytes = 64L << 20;

    private static readonly byte[] MagicBytes = BitConverter.GetBytes(RecordIoFormat.Magic);
    private readonly byte[] _head = new byte[8];

    public long Position => rec.Position;

    /// <summary>The next whole record (parts joined), or null at the end of the stream.</summary>
    /// <exception cref="RecordTooLargeException">The record is over the limit; the stream is left after it.</exception>
    public byte[]? ReadNext()
    {
        long start = rec.CanSeek ? rec.Position : -1;
        using var body = new MemoryStream();
        long total = 0;
        bool first = true, skipping = false;
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
            int padded = RecordIoFormat.Padded(length);
            if (rec.CanSeek && rec.Length - rec.Position < padded)
                throw new InvalidDataException($"truncated record body at byte {rec.Position}: its header promises {length} bytes, {rec.Length - rec.Position} remain");
            total += length + (first ? 0 : MagicBytes.Length);
            skipping |= total > maxRecordBytes;
            if (skipping) Skip(padded);
            else
            {
                // Grows as bytes arrive, so a lying length on a stream of unknown size allocates only what is there.
                long before = body.Length;
                CopyExactly(rec, body, length, padded);
                if (body.Length - before < length) throw new InvalidDataException($"truncated record body at byte {rec.Position}");
            }
            if (cflag is 0 or 3)
            {
                if (skipping) throw new RecordTooLargeException(total, maxRecordBytes, start);
                return body.ToArray();
            }
            // The writer split the payload where it held the magic word: put it back.
            if (!skipping) body.Write(MagicBytes);
            first = false;
        }
    }

    public byte[]? ReadAt(long offset)
    {
        if (rec.Position != offset) rec.Seek(offset, SeekOrigin.Begin);
        return ReadNext();
    }

    private static void CopyExactly(Stream from, MemoryStream to, int length, int padded)
    {
        var chunk = new byte[Math.Min(padded, 1 << 16)];
        for (int left = padded; left > 0;)
        {
            int n = from.Read(chunk, 0, Math.Min(chunk.Length, left));
            if (n == 0) return;
            int keep = Math.Min(n, Math.Max(0, length - (padded - left)));
            to.Write(chunk, 0, keep);
            left -= n;
        }
    }

    private void Skip(int bytes)
    {
        if (rec.CanSeek) { rec.Seek(bytes, SeekOrigin.Current); return; }
        var scratch = new byte[Math.Min(bytes, 1 << 16)];
        for (int left = bytes; left > 0;)
        {
            int n = rec.Read(scratch, 0, Math.Min(scratch.Length, left));
            if (n == 0) throw new InvalidDataException($"truncated record body at byte {rec.Position}");
            left -= n;
        }
    }

    /// <summary>Streams "key\toffset" lines of an MXNet .idx file.</summary>
    public static IEnumerable<(long Key, long Offset)> ReadIndex(TextReader idx)
    {
        string? line;
        int lineNo = 0;
        while ((line = ReadLine(idx, lineNo + 1)) is not null)
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

    /// <summary>TextReader.ReadLine, but a hostile .idx of one endless line is refused instead of held whole.</summary>
    private static string? ReadLine(TextReader idx, int lineNo)
    {
        var line = new System.Text.StringBuilder();
        int c;
        while ((c = idx.Read()) >= 0)
        {
            if (c == '\n') return line.ToString().TrimEnd('\r');
            if (line.Length >= MaxIndexLine) throw new InvalidDataException($".idx line {lineNo}: longer than {MaxIndexLine} characters");
            line.Append((char)c);
        }
        return line.Length > 0 ? line.ToString() : null;
    }

    private const int MaxIndexLine = 256;

    public void Dispose()
    {
        if (!leaveOpen) rec.Dispose();
    }
}

/// <summary>A record whose parts add up to more than the reader's limit; the stream is positioned after it.</summary>
public sealed class RecordTooLargeException(long length, long limit, long offset)
    : IOException($"record{(offset >= 0 ? $" at byte {offset}" : "")} holds {length} bytes > limit {limit}; skipped")
{
    public long RecordLength { get; } = length;
}
