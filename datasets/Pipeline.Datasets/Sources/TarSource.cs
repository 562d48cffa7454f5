using System.Formats.Tar;
using System.IO.Compression;

namespace Pipeline.Datasets;

/// <summary>
/// A .tar or .tar.gz of <c>&lt;identity&gt;/&lt;image&gt;</c> entries, streamed in archive order: one entry is
/// read at a time, into one array of its declared size. Gzip is detected from the first two bytes (1F 8B).
/// Every byte decompressed (read or skipped) counts against the drop's limits, checked as it is read.
/// </summary>
public sealed class TarSource : IDatasetSource
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>Header blocks one entry may have (with a path of at most 65535 bytes, a few KiB in practice).</summary>
    private const int MaxHeaderBytes = 1 << 20;
    private readonly ArchiveInput _input;
    private readonly SourceOptions _options;

    public TarSource(string path, SourceOptions? options = null) : this(new ArchiveInput(path), options) { }

    public TarSource(Func<Stream> open, string name, SourceOptions? options = null) : this(new ArchiveInput(open, name), options) { }

    private TarSource(ArchiveInput input, SourceOptions? options)
    {
        _input = input;
        _options = (options ?? SourceOptions.Default).Validated();
    }

    public string Name => _input.Name;

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        using var raw = _input.Open();
        if (_input.CheckSize(raw, _options) is { } tooLarge) { yield return tooLarge; yield break; }
        var compressed = new CountingStream(raw);
        using var stream = OpenMaybeGzip(compressed, out bool gzip);
        var expanded = new CountingStream(stream);
        using var reader = new TarReader(expanded, leaveOpen: true);
        var meter = new ExpansionMeter(_options) { IsCompressed = gzip };
        var folders = new FolderTracker();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            TarEntry? entry;
            DatasetEntry? result = null;
            string? error = null, stop = null;
            try
            {
                // TarReader reads a PAX or GNU long-name block whole, as long as its header says: cap what it may pull.
                expanded.Limit = expanded.Count + MaxHeaderBytes;
                expanded.LimitReason = $"a tar header block (PAX or long name) over {MaxHeaderBytes} bytes";
                entry = reader.GetNextEntry(copyData: false);
                expanded.Limit = null;
                if (entry is not null) (result, stop) = Classify(entry, folders, meter, compressed, expanded);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
                entry = null;
                error = e.Message;
            }
            if (error is not null)
            {
                yield return DatasetEntry.Rejected(Name, QuarantineReasons.CorruptArchive, error);
                break;
            }
            if (entry is null) break;
            if (result is not null) yield return result;
            stop ??= Measure(meter, compressed, expanded).DropProblem();
            if (stop is not null)
            {
                yield return DatasetEntry.Rejected(Name, stop);
                yield break;
            }
        }
        foreach (var empty in folders.EmptyFolders()) yield return empty;
    }

    private static ExpansionMeter Measure(ExpansionMeter meter, CountingStream compressed, CountingStream expanded)
    {
        meter.Compressed = compressed.Count;
        meter.Expanded = expanded.Count;
        return meter;
    }

    /// <summary>The entry to hand out (or null for a folder), and why the rest of the archive is refused, if it is.</summary>
    private (DatasetEntry? Entry, string? Stop) Classify(TarEntry entry, FolderTracker folders, ExpansionMeter meter,
        CountingStream compressed, CountingStream expanded)
    {
        string name = entry.Name;
        if (entry.EntryType == TarEntryType.Directory)
        {
            if (name.Length <= _options.MaxPathBytes)
            {
                folders.AddFolder(name);
                folders.AddChild(name.TrimEnd('/'));
            }
            return (null, Skip(entry, meter, compressed, expanded));
        }
        if (name.Length <= _options.MaxPathBytes) folders.AddChild(name);
        var reason = EntryPaths.Classify(name, out var path, out var identity, _options);
        // Read like an image (bounded alike), handed out as a sidecar.
        bool sidecar = DatasetEntry.IsSidecarFile(reason, path);
        DatasetEntry? rejected = null;
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            rejected = DatasetEntry.Rejected(reason is null ? path : EntryPaths.Shorten(name), QuarantineReasons.Symlink,
                $"{entry.EntryType} to '{EntryPaths.Shorten(entry.LinkName)}' is not followed");
        else if (reason is not null && !sidecar)
            rejected = DatasetEntry.Rejected(EntryPaths.Shorten(name), reason);
        else if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
            rejected = DatasetEntry.Rejected(path, QuarantineReasons.NotARegularFile, entry.EntryType.ToString());
        else if (entry.Length > _options.MaxEntryBytes)
            rejected = DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{entry.Length} bytes > limit {_options.MaxEntryBytes}");
        if (rejected is not null) return (rejected, Skip(entry, meter, compressed, expanded));

        // The data stream belongs to the reader and moves on with it: read it now, watching how much it expands.
        var bytes = new byte[entry.Length];
        long startCompressed = compressed.Count;
        int read = 0;
        var data = entry.DataStream ?? Stream.Null;
        while (read < bytes.Length)
        {
            int n = data.Read(bytes, read, Math.Min(ChunkBytes, bytes.Length - read));
            if (n == 0) throw new InvalidDataException($"{path}: the archive ends inside this entry ({read} of {entry.Length} bytes)");
            read += n;
            if (meter.EntryProblem(read, compressed.Count - startCompressed) is { } tooMuch)
                return (DatasetEntry.Rejected(path, tooMuch), Skip(entry, meter, compressed, expanded));
            if (Measure(meter, compressed, expanded).DropProblem() is { } stop) return (null, stop);
        }
        return (sidecar ? DatasetEntry.Sidecar(path, reason!, bytes) : new DatasetEntry(path, identity, bytes), null);
    }

    /// <summary>Reads past data nobody wants, still bounded by the drop's limits (TarReader would skip it unchecked).</summary>
    private static string? Skip(TarEntry entry, ExpansionMeter meter, CountingStream compressed, CountingStream expanded)
    {
        if (entry.DataStream is not { } data) return null;
        var scratch = new byte[ChunkBytes];
        while (data.Read(scratch) > 0)
            if (Measure(meter, compressed, expanded).DropProblem() is { } stop) return stop;
        return null;
    }

    private static Stream OpenMaybeGzip(Stream raw, out bool gzip)
    {
        var head = new byte[2];
        int n = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        Stream whole = new PrefixedStream(head.AsMemory(0, n), raw);
        gzip = n == 2 && head[0] == 0x1F && head[1] == 0x8B;
        return gzip ? new GZipStream(whole, CompressionMode.Decompress) : whole;
    }
}
