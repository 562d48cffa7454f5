using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// The file of one collection: a 16-byte header (magic, version, dimension, quantisation) then an append-only log of checksummed records
/// ([u32 length][u32 crc32c][body]; body = upsert batch or delete batch). A crash mid-append leaves a
/// torn or garbage tail, which <see cref="Open"/> detects by length or checksum and truncates, so the
/// file always replays to the last complete record. A corrupt record with valid ones after it (a flipped
/// bit, a bad sector) is skipped: replay resynchronises on the next record whose framing, checksum and
/// contents hold, and reports the skipped bytes (<see cref="LogRecovery"/>); the file is left as it is
/// until a compaction rewrites it. New files and compactions are written to <c>.tmp</c>, flushed to
/// disk, then renamed over the target, so they are never seen half-written.
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

    private CollectionLog(string path, FileStream stream, int dimension, VectorQuantization quantization, bool durable)
    {
        Path = path;
        _stream = stream;
        Dimension = dimension;
        Quantization = quantization;
        _durable = durable;
    }

    public string Path { get; }
    public int Dimension { get; }
    public VectorQuantization Quantization { get; }
    public long Length => _stream.Length;

    /// <summary>Writes an empty collection file atomically (temp + rename).</summary>
    public static void Create(string path, int dimension, VectorQuantization quantization)
    {
        WriteAtomically(path, dimension, quantization, _ => { });
    }

    /// <summary>
    /// Replays the file into a new store, skipping corrupt records and truncating a torn tail, and opens it for appending.
    /// </summary>
    public static (CollectionLog Log, VectorStore Store, LogRecovery Recovery) Open(string path, bool durable)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            if (RandomAccess.Read(stream.SafeFileHandle, header, 0) < HeaderSize
                || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
                || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != Version)
                throw new InvalidDataException($"{path}: not a vector index collection file (bad header)");
            var dimension = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            // Files written before quantisation existed hold zero here: None.
            var quantization = (VectorQuantization)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            if (!Enum.IsDefined(quantization))
                throw new InvalidDataException($"{path}: unknown quantisation {(uint)quantization} in the header");
            var store = new VectorStore(dimension);
            var (good, corrupt) = Replay(stream.SafeFileHandle, stream.Length, store, dimension);
            var truncated = stream.Length - good;
            if (truncated > 0)
            {
                stream.SetLength(good);
                stream.Flush(flushToDisk: true);
            }
            stream.Seek(0, SeekOrigin.End);
            return (new CollectionLog(path, stream, dimension, quantization, durable), store, new LogRecovery(path, truncated, corrupt));
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
        WriteAtomically(Path, Dimension, Quantization, stream =>
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
        return new CollectionLog(Path, stream, Dimension, Quantization, _durable);
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

    private static void WriteAtomically(string path, int dimension, VectorQuantization quantization, Action<FileStream> writeRecords)
    {
        var temp = path + TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Version);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)dimension);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)quantization);
            stream.Write(header);
            writeRecords(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Applies every valid record in order; returns the offset just past the last one (where a torn tail starts)
    /// and the corrupt regions skipped before it.
    /// </summary>
    private static (long Good, List<CorruptRegion> Corrupt) Replay(SafeFileHandle file, long fileLength, VectorStore store, int dimension)
    {
        var corrupt = new List<CorruptRegion>();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            var position = (long)HeaderSize;
            while (position < fileLength)
            {
                var length = ReadValidRecord(file, fileLength, position, dimension, ref buffer);
                if (length < 0)
                {
                    // No valid record follows: a torn append (the normal crash), truncated. One does: a corrupt record, skipped.
                    var next = FindNextRecord(file, fileLength, position + 1, dimension, ref buffer);
                    if (next < 0) break;
                    corrupt.Add(new CorruptRegion(position, next - position));
                    position = next;
                    continue;
                }
                Apply(buffer.AsSpan(0, length), store, dimension);
                position += 8 + length;
            }
            return (position, corrupt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the record at <paramref name="position"/> into <paramref name="buffer"/> and returns its body's length, or -1
    /// unless it is whole, its checksum holds and its contents parse to exactly its length.
    /// </summary>
    private static int ReadValidRecord(SafeFileHandle file, long fileLength, long position, int dimension, ref byte[] buffer)
    {
        Span<byte> head = stackalloc byte[8];
        if (fileLength - position < 8 || RandomAccess.Read(file, head, position) < 8) return -1;
        var length = BinaryPrimitives.ReadInt32LittleEndian(head);
        if (length <= 0 || length > MaxRecordBytes || length > fileLength - position - 8) return -1;
        if (buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(length);
        }
        var body = buffer.AsSpan(0, length);
        if (RandomAccess.Read(file, body, position + 8) < length) return -1;
        return Crc32C.Compute(body) == BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) && Parses(body, dimension) ? length : -1;
    }

    /// <summary>
    /// The offset of the first valid record at or after <paramref name="from"/>, or -1. Scans a window at a time and
    /// checks the record's frame and first fields before its checksum, so that garbage costs little to pass over.
    /// </summary>
    private static long FindNextRecord(SafeFileHandle file, long fileLength, long from, int dimension, ref byte[] buffer)
    {
        const int Window = 1 << 20, Probe = 13; // [u32 length][u32 crc][u8 kind][i32 count]
        var window = ArrayPool<byte>.Shared.Rent(Window + Probe);
        try
        {
            for (var start = from; start + Probe <= fileLength; start += Window)
            {
                var read = RandomAccess.Read(file, window.AsSpan(0, (int)Math.Min(Window + Probe, fileLength - start)), start);
                for (var i = 0; i + Probe <= read && i < Window; i++)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(window.AsSpan(i));
                    if (length < 5 || length > MaxRecordBytes || length > fileLength - start - i - 8) continue;
                    var kind = window[i + 8];
                    var count = BinaryPrimitives.ReadInt32LittleEndian(window.AsSpan(i + 9));
                    var smallest = kind switch { UpsertKind => 20L + dimension * sizeof(float), DeleteKind => 4L, _ => -1L };
                    if (smallest < 0 || count < 0 || 5 + count * smallest > length) continue;
                    if (ReadValidRecord(file, fileLength, start + i, dimension, ref buffer) >= 0) return start + i;
                }
            }
            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }

    /// <summary>Whether a body is a well-formed upsert or delete batch that ends exactly where the record does.</summary>
    private static bool Parses(ReadOnlySpan<byte> body, int dimension)
    {
        if (body.Length < 5 || body[0] is not (UpsertKind or DeleteKind)) return false;
        var strings = body[0] == UpsertKind ? 5 : 1;
        var reader = body[5..];
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[1..]);
        if (count < 0) return false;
        for (var i = 0; i < count; i++)
        {
            for (var s = 0; s < strings; s++)
            {
                if (reader.Length < 4) return false;
                var length = BinaryPrimitives.ReadInt32LittleEndian(reader);
                if (length < (s == 0 ? 0 : -1) || length > reader.Length - 4) return false; // -1: a null payload field
                reader = reader[(4 + Math.Max(length, 0))..];
            }
            if (body[0] == UpsertKind)
            {
                if (reader.Length < dimension * sizeof(float)) return false;
                reader = reader[(dimension * sizeof(float))..];
            }
        }
        return reader.IsEmpty;
    }

    /// <summary>Applies a body that <see cref="Parses"/>.</summary>
    private static void Apply(ReadOnlySpan<byte> body, VectorStore store, int dimension)
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
            var payload = new FacePayload(ReadString(ref reader)!, ReadString(ref reader)!, ReadString(ref reader)!, ReadString(ref reader));
            var bytes = dimension * sizeof(float);
            store.Upsert(id, MemoryMarshal.Cast<byte, float>(reader[..bytes]), payload);
            reader = reader[bytes..];
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
