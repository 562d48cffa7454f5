using System.Runtime.InteropServices;

namespace Pipeline.Datasets;

/// <summary>
/// One file a source found: its path relative to the dataset root ('/'-separated), the identity it
/// is filed under, and a way to open its bytes. An entry rejected by the source itself (unsafe path,
/// symlink, ...) carries <see cref="Rejection"/> and cannot be opened.
/// </summary>
/// <remarks>Archive sources stream: <see cref="Open"/> is only valid until the enumeration moves on.</remarks>
public sealed class DatasetEntry
{
    private const int ChunkBytes = 81920;
    private readonly Func<Stream>? _open;
    private readonly ReadOnlyMemory<byte>? _bytes;

    /// <param name="length">The size the source declares (file length, header field), when it knows it.</param>
    public DatasetEntry(string path, string identity, Func<Stream> open, long? length = null)
    {
        Path = path; Identity = identity; _open = open; Length = length;
    }

    /// <summary>An entry the source has already read (an archive read once, front to back).</summary>
    public DatasetEntry(string path, string identity, ReadOnlyMemory<byte> bytes)
    {
        Path = path; Identity = identity; _bytes = bytes; Length = bytes.Length;
    }

    private DatasetEntry(string path, string rejection, Func<Stream>? open = null, ReadOnlyMemory<byte>? bytes = null, long? length = null)
    {
        Path = path; Identity = ""; Rejection = rejection; _open = open; _bytes = bytes; Length = length ?? bytes?.Length;
    }

    public static DatasetEntry Rejected(string path, string code, string detail) =>
        new(path, QuarantineReasons.Format(code, detail));

    /// <summary>
    /// A file at the top of an archive that describes its images (<see cref="IsSidecarFile"/>): rejected as an image, so
    /// never packed nor quarantined, but readable by whoever needs it (shipped landmarks).
    /// </summary>
    public static DatasetEntry Sidecar(string path, string rejection, Func<Stream> open, long? length) => new(path, rejection, open, null, length);

    /// <inheritdoc cref="Sidecar(string, string, Func{Stream}, long?)"/>
    public static DatasetEntry Sidecar(string path, string rejection, ReadOnlyMemory<byte> bytes) => new(path, rejection, null, bytes);

    /// <summary>Whether a name a source refused (<paramref name="rejection"/>) is a sidecar file at the top of the dataset (<see cref="DatasetFiles.IsSidecar"/>).</summary>
    public static bool IsSidecarFile(string? rejection, string path) =>
        rejection is not null && rejection.StartsWith(QuarantineReasons.NoIdentityFolder, StringComparison.Ordinal) && DatasetFiles.IsSidecar(path);

    /// <summary>A sidecar whose bytes can be read (<see cref="Sidecar(string, string, Func{Stream}, long?)"/>).</summary>
    public bool IsSidecar => Rejection is not null && (_open is not null || _bytes is not null);

    /// <summary>A rejection whose reason is already formatted as "code: detail".</summary>
    public static DatasetEntry Rejected(string path, string reason) => new(path, reason);

    public string Path { get; }
    public string Identity { get; }
    public string? Rejection { get; }

    /// <summary>Declared size in bytes, when the source knows it before reading.</summary>
    public long? Length { get; }

    public Stream Open() =>
        _bytes is { } b ? AsStream(b)
        : _open?.Invoke() ?? throw new InvalidOperationException($"{Path}: rejected entry ({Rejection}) has no bytes");

    /// <summary>
    /// The bytes, read once into one array of the declared size (no growing copies), or null when there are
    /// more than <paramref name="maxBytes"/>. Bytes the source already holds are returned as they are.
    /// </summary>
    public ReadOnlyMemory<byte>? Read(long maxBytes)
    {
        if (_bytes is { } held) return held.Length > maxBytes ? null : held;
        if (Length > maxBytes) return null;
        using var s = Open();
        long? known = Length ?? (s.CanSeek ? s.Length - s.Position : null);
        if (known > maxBytes) return null;
        return known is { } n ? ReadKnown(s, (int)n, maxBytes) : ReadUnknown(s, [], maxBytes);
    }

    /// <summary>The bytes as an array (a copy only when the source holds a slice of a larger one).</summary>
    public byte[]? ReadBytes(long maxBytes) =>
        Read(maxBytes) is not { } m ? null
        : MemoryMarshal.TryGetArray(m, out var seg) && seg.Offset == 0 && seg.Count == seg.Array!.Length ? seg.Array : m.ToArray();

    private byte[]? ReadKnown(Stream s, int length, long maxBytes)
    {
        var bytes = new byte[length];
        int read = s.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
        if (read < length) throw new InvalidDataException($"{Path}: ends after {read} of its {length} bytes");
        Span<byte> probe = stackalloc byte[1];
        if (s.Read(probe) == 0) return bytes;
        // Longer than declared (a file still growing, a lying header): keep reading, still bounded.
        return ReadUnknown(s, [.. bytes, probe[0]], maxBytes);
    }

    private static byte[]? ReadUnknown(Stream s, byte[] start, long maxBytes)
    {
        if (start.Length > maxBytes) return null;
        var buffer = new MemoryStream(Math.Max(start.Length, 16 * 1024));
        buffer.Write(start);
        var chunk = new byte[ChunkBytes];
        int n;
        while ((n = s.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var seg)
            ? new MemoryStream(seg.Array!, seg.Offset, seg.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    public override string ToString() => Rejection is null ? Path : $"{Path} ({Rejection})";
}
