namespace Pipeline.Datasets;

/// <summary>
/// A folder of <c>&lt;identity&gt;/&lt;image&gt;</c> files (any depth; the identity is the folder holding
/// the file). Walks in ordinal name order, never follows symlinks.
/// </summary>
public sealed class DirectorySource(string root, SourceOptions? options = null) : IDatasetSource
{
    private readonly SourceOptions _options = options ?? SourceOptions.Default;

    public string Name => root;

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        var rootInfo = new DirectoryInfo(root);
        if (!rootInfo.Exists) throw new DirectoryNotFoundException($"{root}: no such folder");
        return Walk(rootInfo, "", ct);
    }

    private IEnumerable<DatasetEntry> Walk(DirectoryInfo dir, string relative, CancellationToken ct)
    {
        List<FileSystemInfo> children;
        string? error = null;
        try { children = dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList(); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            children = [];
            error = e.Message;
        }
        if (error is not null)
        {
            yield return DatasetEntry.Rejected(relative + "/", QuarantineReasons.Unreadable, error);
            yield break;
        }
        if (children.Count == 0 && relative.Length > 0)
        {
            yield return DatasetEntry.Rejected(relative + "/", QuarantineReasons.EmptyIdentity, "folder holds no files");
            yield break;
        }
        foreach (var child in children)
        {
            ct.ThrowIfCancellationRequested();
            string rel = relative.Length == 0 ? child.Name : relative + "/" + child.Name;
            if (child.LinkTarget is not null)
            {
                yield return DatasetEntry.Rejected(rel, QuarantineReasons.Symlink, "symbolic links are not followed");
                continue;
            }
            if (child is DirectoryInfo sub)
            {
                foreach (var e in Walk(sub, rel, ct)) yield return e;
                continue;
            }
            var file = (FileInfo)child;
            var reason = EntryPaths.Classify(rel, out var path, out var identity);
            if (reason is not null) { yield return DatasetEntry.Rejected(rel, reason); continue; }
            if (file.Length > _options.MaxEntryBytes)
            {
                yield return DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{file.Length} bytes > limit {_options.MaxEntryBytes}");
                continue;
            }
            string full = file.FullName;
            yield return new DatasetEntry(path, identity, () => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));
        }
    }
}
