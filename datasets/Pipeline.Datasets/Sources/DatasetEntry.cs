namespace Pipeline.Datasets;

/// <summary>
/// One file a source found: its path relative to the dataset root ('/'-separated), the identity it
/// is filed under, and a way to open its bytes. An entry rejected by the source itself (unsafe path,
/// symlink, ...) carries <see cref="Rejection"/> and cannot be opened.
/// </summary>
/// <remarks>Archive sources stream: <see cref="Open"/> is only valid until the enumeration moves on.</remarks>
public sealed class DatasetEntry
{
    private readonly Func<Stream>? _open;

    public DatasetEntry(string path, string identity, Func<Stream> open)
    {
        Path = path; Identity = identity; _open = open;
    }

    private DatasetEntry(string path, string rejection)
    {
        Path = path; Identity = ""; Rejection = rejection;
    }

    public static DatasetEntry Rejected(string path, string code, string detail) =>
        new(path, QuarantineReasons.Format(code, detail));

    /// <summary>A rejection whose reason is already formatted as "code: detail".</summary>
    public static DatasetEntry Rejected(string path, string reason) => new(path, reason);

    public string Path { get; }
    public string Identity { get; }
    public string? Rejection { get; }

    public Stream Open() => _open?.Invoke() ?? throw new InvalidOperationException($"{Path}: rejected entry ({Rejection}) has no bytes");

    /// <summary>Reads the bytes, refusing more than <paramref name="maxBytes"/> (returns null then).</summary>
    public byte[]? ReadBytes(long maxBytes)
    {
        using var s = Open();
        if (s.CanSeek && s.Length - s.Position > maxBytes) return null;
        var buffer = new MemoryStream(s.CanSeek ? (int)Math.Min(s.Length, int.MaxValue) : 16 * 1024);
        var chunk = new byte[81920];
        int n;
        while ((n = s.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    public override string ToString() => Rejection is null ? Path : $"{Path} ({Rejection})";
}
