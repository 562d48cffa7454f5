using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// The file of one collection: a 16-byte header then an append-only log of checksummed records
/// ([u32 length][u32 crc32c][body]; body = upsert batch or delete batch). A crash mid-append leaves a
/// torn or garbage tail, which <see cref="Open"/> detects by length or checksum and truncates, so the
/// file always replays to the last complete record. New files and compactions are written to
/// <c>.tmp</c>, flushed to disk, then renamed over the target, so they are never seen half-written.
/// </summary>
internal sealed class CollectionLog : IDisposable
{
    public const string Extension = ".fvlog";
    public const string TempSuffix = ".tmp";
    private const int HeaderSize = 16;
    private const uint Magic = 0x58495646; // "FVIX"
    private const uint Version = 1;
    private const int MaxRecordBytes = 256 << 20;
    private const int PointsPerRecord = 2048;
    private const byte UpsertKind = 1, DeleteKind = 2;

    private readonly FileStream _stream;
    private readonly bool _durable;

    private CollectionLog(string path, FileStream stream, int dimension, bool durable)
    {
        Path = path;
        _stream = stream;
        Dimension = dimension;
        _durable = durable;
    }

    public string Path { get; }
    public int Dimension { get; }
    public long Length => _stream.Length;

    /// <summary>Writes an empty collection file atomically (temp + rename).</summary>
    public static void Create(string path, int dimension)
    {
        WriteAtomically(path, dimension, _ => { });
    }

    /// <summary>Replays the file into a new store, truncating a torn tail, and opens it for appending.</summary>
    public static (CollectionLog Log, VectorStore Store, long TruncatedBytes) Open(string path, bool durable)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize
                || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
                || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != Version)
                throw new InvalidDataException($"{path}: not a vector index collection file (bad header)");
            var dimension = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            var store = new VectorStore(dimension);
            var good = Replay(stream, store, dimension);
            var truncated = stream.Length - good;
            if (truncated > 0)
            {
                stream.SetLength(good);
                stream.Flush(flushToDisk: true);
            }
            stream.Seek(0, SeekOrigin.End);
            return (new CollectionLog(path, stream, dimension, durable), store, truncated);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends unit-vector points, in records of at most <see cref="PointsPerRecord"/>.</summary>
    public void AppendUpserts(IReadOnlyList<FacePoint> unitPoints)
    {
        for (var start = 0; start < unitPoints.Count; start += PointsPerRecord)
        {
            var count = Math.Min(PointsPerRecord, unitPoints.Count - start);
            Append(EncodeUpserts(unitPoints, start, count, Dimension));
        }
    }

    public void AppendDeletes(IReadOnlyList<string> ids)
    {
        var body = new ArrayBufferWriter<byte>();
        body.Write([DeleteKind]);
        WriteInt(body, ids.Count);
        foreach (var id in ids) WriteString(body, id);
        Append(body.WrittenSpan);
    }

    /// <summary>Rewrites the file as one upsert per live row (temp + rename) and reopens it.</summary>
    public CollectionLog Compact(VectorStore store)
    {
        WriteAtomically(Path, Dimension, stream =>
        {
            var batch = new List<FacePoint>(PointsPerRecord);
            for (var row = 0; row < store.Count; row++)
            {
                batch.Add(new FacePoint(store.IdAt(row), store.Row(row).ToArray(), store.PayloadAt(row)));
                if (batch.Count == PointsPerRecord || row == store.Count - 1)
                {
                    WriteRecord(stream, EncodeUpserts(batch, 0, batch.Count, Dimension));
                    batch.Clear();
                }
            }
        });
        _stream.Dispose(); // the rename replaced the file under it: drop the old handle
        var stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
        stream.Seek(0, SeekOrigin.End);
        return new CollectionLog(Path, stream, Dimension, _durable);
    }

    public void Dispose() => _stream.Dispose();

    private void Append(ReadOnlySpan<byte> body)
    {
        var start = _stream.Length;
        try
        {
            WriteRecord(_stream, body);
            _stream.Flush(flushToDisk: _durable);
        }
        catch
        {
            // Leave no half record behind for the next append to bury.
            try { _stream.SetLength(start); _stream.Seek(0, SeekOrigin.End); } catch (IOException) { }
            throw;
        }
    }

    private static void WriteRecord(Stream stream, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(head, body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], Crc32C.Compute(body));
        stream.Write(head);
        stream.Write(body);
    }

    private static void WriteAtomically(string path, int dimension, Action<FileStream> writeRecords)
    {
        var temp = path + TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Version);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)dimension);
            stream.Write(header);
            writeRecords(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Applies every complete, checksummed record; returns the offset just past the last one.</summary>
    private static long Replay(FileStream stream, VectorStore store, int dimension)
    {
        var good = (long)HeaderSize;
        Span<byte> head = stackalloc byte[8];
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (true)
            {
                if (stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) < 8) return good;
                var length = BinaryPrimitives.ReadInt32LittleEndian(head);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
                if (length <= 0 || length > MaxRecordBytes || length > stream.Length - stream.Position) return good;
                if (buffer.Length < length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(length);
                }
                var body = buffer.AsSpan(0, length);
                if (stream.ReadAtLeast(body, length, throwOnEndOfStream: false) < length) return good;
                if (Crc32C.Compute(body) != crc || !TryApply(body, store, dimension)) return good;
                good = stream.Position;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryApply(ReadOnlySpan<byte> body, VectorStore store, int dimension)
    {
        try
        {
            var kind = body[0];
            var reader = body[1..];
            var count = ReadInt(ref reader);
            for (var i = 0; i < count; i++)
            {
                var id = ReadString(ref reader)!;
                if (kind == DeleteKind)
                {
                    store.Delete(id);
                    continue;
                }
                if (kind != UpsertKind) return false;
                var payload = new FacePayload(ReadString(ref reader)!, ReadString(ref reader)!, ReadString(ref reader)!, ReadString(ref reader));
                var bytes = dimension * sizeof(float);
                store.Upsert(id, MemoryMarshal.Cast<byte, float>(reader[..bytes]), payload);
                reader = reader[bytes..];
            }
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // a checksummed record that does not parse: treat as the end of the log
        }
    }

    private static byte[] EncodeUpserts(IReadOnlyList<FacePoint> points, int start, int count, int dimension)
    {
        var body = new ArrayBufferWriter<byte>(count * (dimension * sizeof(float) + 128) + 8);
        body.Write([UpsertKind]);
        WriteInt(body, count);
        for (var i = start; i < start + count; i++)
        {
            var p = points[i];
            WriteString(body, p.Id);
            WriteString(body, p.Payload.Identity);
            WriteString(body, p.Payload.DatasetId);
            WriteString(body, p.Payload.ModelId);
            WriteString(body, p.Payload.SamplePath);
            body.Write(MemoryMarshal.AsBytes(p.Vector.AsSpan(0, dimension)));
        }
        return body.WrittenSpan.ToArray();
    }

    private static void WriteInt(ArrayBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, string? value)
    {
        if (value is null)
        {
            WriteInt(writer, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetByteCount(value);
        WriteInt(writer, bytes);
        Encoding.UTF8.GetBytes(value, writer.GetSpan(bytes));
        writer.Advance(bytes);
    }

    private static int ReadInt(ref ReadOnlySpan<byte> reader)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(reader);
        reader = reader[4..];
        return value;
    }

    private static string? ReadString(ref ReadOnlySpan<byte> reader)
    {
        var length = ReadInt(ref reader);
        if (length < 0) return null;
        var value = Encoding.UTF8.GetString(reader[..length]);
        reader = reader[length..];
        return value;
    }
}
