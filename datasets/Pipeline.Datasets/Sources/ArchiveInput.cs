namespace Pipeline.Datasets;

/// <summary>An archive to read: a file, or a stream factory (e.g. a blob download) with a name.</summary>
internal sealed class ArchiveInput
{
    private readonly Func<Stream> _open;
    private readonly long? _knownLength;

    public ArchiveInput(string path)
    {
        Name = System.IO.Path.GetFileName(path);
        _knownLength = new FileInfo(path).Length;
        _open = () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    public ArchiveInput(Func<Stream> open, string name)
    {
        Name = name;
        _open = open;
    }

    public string Name { get; }

    public Stream Open() => _open();

    /// <summary>The rejection for the whole archive when it is over the limit, else null.</summary>
    public DatasetEntry? CheckSize(Stream opened, SourceOptions options)
    {
        long? length = _knownLength ?? (opened.CanSeek ? opened.Length : null);
        return length > options.MaxArchiveBytes
            ? DatasetEntry.Rejected(Name, QuarantineReasons.ArchiveTooLarge, $"{length} bytes > limit {options.MaxArchiveBytes}")
            : null;
    }
}

/// <summary>Finds folders an archive lists that end up holding nothing.</summary>
internal sealed class FolderTracker
{
    private readonly SortedSet<string> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nonEmpty = new(StringComparer.Ordinal);

    public void AddFolder(string raw)
    {
        var f = EntryPaths.Normalize(raw);
        if (f.Length > 0) _folders.Add(f);
    }

    public void AddChild(string raw)
    {
        var p = EntryPaths.Normalize(raw);
        for (int i = p.LastIndexOf('/'); i > 0; i = p.LastIndexOf('/', i - 1))
            if (!_nonEmpty.Add(p[..i])) break;
    }

    public IEnumerable<DatasetEntry> EmptyFolders() =>
        _folders.Where(f => !_nonEmpty.Contains(f))
            .Select(f => DatasetEntry.Rejected(f + "/", QuarantineReasons.EmptyIdentity, "folder holds no files"));
}
