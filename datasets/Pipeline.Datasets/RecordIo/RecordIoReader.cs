using System.Buffers.Binary;
using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>
/// Reads RecordIO records one at a time, sequentially or at offsets from a .idx file. A length field is
/// never trusted: nothing is allocated past <c>maxRecordBytes</c> or past the bytes the file still holds.
/// </summary>
public sealed class RecordIoReader : IDisposable
{
    /// <summary>A record (header, labels, image) larger than this is skipped, not read.</summary>
    public const long DefaultMaxRecordBytes = 64L << 20;

    private static readonly byte[] MagicBytes = BitConverter.GetBytes(RecordIoFormat.Magic);
    private readonly byte[] _head = new byte[8];
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _maxRecordBytes;
    private readonly PositionedStream _rec;

    public RecordIoReader(Stream rec, bool leaveOpen = false, long maxRecordBytes = DefaultMaxRecordBytes)
    {
        _stream = rec;
        _leaveOpen = leaveOpen;
        _maxRecordBytes = maxRecordBytes;
        _rec = new PositionedStream(rec);
    }

    /// <summary>Bytes consumed so far: a stream that cannot seek has no Position of its own.</summary>
    public long Position => _rec.Position;

    /// <summary>The next whole record (parts joined), or null at the end of the stream.</summary>
    /// <exception cref="RecordTooLargeException">The record is over the limit; the stream is left after it.</exception>
    public byte[]? ReadNext()
    {
        long start = _rec.Position;
        using var body = new MemoryStream();
        long total = 0;
        bool first = true, skipping = false;
        while (true)
        {
            int n = _rec.ReadAtLeast(_head, 8, throwOnEndOfStream: false);
            if (n == 0 && first) return null;
            if (n < 8) throw new InvalidDataException($"truncated record header at byte {_rec.Position - n}");
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(_head);
            if (magic != RecordIoFormat.Magic) throw new InvalidDataException($"bad record magic 0x{magic:x8} at byte {_rec.Position - 8}");
            uint lrec = BinaryPrimitives.ReadUInt32LittleEndian(_head.AsSpan(4));
            uint cflag = RecordIoFormat.CFlag(lrec);
            int length = RecordIoFormat.Length(lrec);
            if (first ? cflag is 2 or 3 : cflag is 0 or 1)
                throw new InvalidDataException($"record part with cflag {cflag} out of sequence at byte {_rec.Position - 8}");
            int padded = RecordIoFormat.Padded(length);
            if (_rec.CanSeek && _rec.Length - _rec.Position < padded)
                throw new InvalidDataException($"truncated record body at byte {_rec.Position}: its header promises {length} bytes, {_rec.Length - _rec.Position} remain");
            total += length + (first ? 0 : MagicBytes.Length);
            skipping |= total > _maxRecordBytes;
            if (skipping) Skip(padded);
            else
            {
                // Grows as bytes arrive, so a lying length on a stream of unknown size allocates only what is there.
                long before = body.Length;
                CopyExactly(_rec, body, length, padded);
                if (body.Length - before < length) throw new InvalidDataException($"truncated record body at byte {_rec.Position}");
            }
            if (cflag is 0 or 3)
            {
                if (skipping) throw new RecordTooLargeException(total, _maxRecordBytes, start);
                return body.ToArray();
            }
            // The writer split the payload where it held the magic word: put it back.
            if (!skipping) body.Write(MagicBytes);
            first = false;
        }
    }

    public byte[]? ReadAt(long offset)
    {
        if (_rec.Position != offset) _rec.Seek(offset, SeekOrigin.Begin);
        return ReadNext();
    }

    private static void CopyExactly(PositionedStream from, MemoryStream to, int length, int padded)
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
        if (_rec.CanSeek) { _rec.Seek(bytes, SeekOrigin.Current); return; }
        var scratch = new byte[Math.Min(bytes, 1 << 16)];
        for (int left = bytes; left > 0;)
        {
            int n = _rec.Read(scratch, 0, Math.Min(scratch.Length, left));
            if (n == 0) throw new InvalidDataException($"truncated record body at byte {_rec.Position}");
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
        if (!_leaveOpen) _stream.Dispose();
    }

    /// <summary>The stream with a position counted by hand when it cannot report one.</summary>
    private sealed class PositionedStream(Stream inner)
    {
        private long _counted = inner.CanSeek ? inner.Position : 0;

        public bool CanSeek => inner.CanSeek;
        public long Length => inner.Length;
        public long Position => inner.CanSeek ? inner.Position : _counted;

        public int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            _counted += n;
            return n;
        }

        public int ReadAtLeast(byte[] buffer, int minimum, bool throwOnEndOfStream)
        {
            int n = inner.ReadAtLeast(buffer, minimum, throwOnEndOfStream);
            _counted += n;
            return n;
        }

        public void Seek(long offset, SeekOrigin origin) => _counted = inner.Seek(offset, origin);
    }
}

/// <summary>A record whose parts add up to more than the reader's limit; the stream is positioned after it.</summary>
public sealed class RecordTooLargeException(long length, long limit, long offset)
    : IOException($"record{(offset >= 0 ? $" at byte {offset}" : "")} holds {length} bytes > limit {limit}; skipped")
{
    public long RecordLength { get; } = length;
}
