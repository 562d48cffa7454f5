using System.Formats.Tar;
using System.IO.Compression;

namespace Pipeline.Datasets;

/// <summary>
/// A .tar or .tar.gz of <c>&lt;identity&gt;/&lt;image&gt;</c> entries, streamed in archive order: nothing
/// is buffered beyond the current entry. Gzip is detected from the first two bytes (1F 8B).
/// </summary>
public sealed class TarSource : IDatasetSource
{
    private readonly ArchiveInput _input;
    private readonly SourceOptions _options;

    public TarSource(string path, SourceOptions? options = null) : this(new ArchiveInput(path), options) { }

    public TarSource(Func<Stream> open, string name, SourceOptions? options = null) : this(new ArchiveInput(open, name), options) { }

    private TarSource(ArchiveInput input, SourceOptions? options)
    {
        _input = input;
        _options = options ?? SourceOptions.Default;
    }

    public string Name => _input.Name;

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        using var raw = _input.Open();
        if (_input.CheckSize(raw, _options) is { } tooLarge) { yield return tooLarge; yield break; }
        using var stream = OpenMaybeGzip(raw);
        using var reader = new TarReader(stream, leaveOpen: true);
        var folders = new FolderTracker();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            TarEntry? entry;
            string? error = null;
            try { entry = reader.GetNextEntry(copyData: false); }
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
            var result = Classify(entry, folders);
            if (result is not null) yield return result;
        }
        foreach (var empty in folders.EmptyFolders()) yield return empty;
    }

    private DatasetEntry? Classify(TarEntry entry, FolderTracker folders)
    {
        string name = entry.Name;
        if (entry.EntryType == TarEntryType.Directory)
        {
            folders.AddFolder(name);
            folders.AddChild(name.TrimEnd('/'));
            return null;
        }
        folders.AddChild(name);
        var reason = EntryPaths.Classify(name, out var path, out var identity);
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            return DatasetEntry.Rejected(reason is null ? path : name, QuarantineReasons.Symlink, $"{entry.EntryType} to '{entry.LinkName}' is not followed");
        if (reason is not null) return DatasetEntry.Rejected(name, reason);
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
            return DatasetEntry.Rejected(path, QuarantineReasons.NotARegularFile, entry.EntryType.ToString());
        if (entry.Length > _options.MaxEntryBytes)
            return DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{entry.Length} bytes > limit {_options.MaxEntryBytes}");
        // The data stream belongs to the reader and moves on with it: hand out a private copy.
        return new DatasetEntry(path, identity, () =>
        {
            var copy = new MemoryStream((int)entry.Length);
            entry.DataStream?.CopyTo(copy);
            copy.Position = 0;
            return copy;
        });
    }

    private static Stream OpenMaybeGzip(Stream raw)
    {
        var head = new byte[2];
        int n = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        Stream whole = new PrefixedStream(head.AsMemory(0, n), raw);
        return n == 2 && head[0] == 0x1F && head[1] == 0x8B ? new GZipStream(whole, CompressionMode.Decompress) : whole;
    }
}
