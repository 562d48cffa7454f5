namespace Pipeline.Datasets;

/// <summary>
/// A folder of <c>&lt;identity&gt;/&lt;image&gt;</c> files (any depth up to <see cref="SourceOptions.MaxPathDepth"/>;
/// the identity is the folder holding the file). Walks in ordinal name order. Only regular files are read:
/// symbolic links (to files or folders) are never followed, and FIFOs, sockets and devices are never
/// opened (opening a FIFO blocks until someone writes to it); each is quarantined with its reason.
/// </summary>
public sealed class DirectorySource(string root, SourceOptions? options = null) : IDatasetSource
{
    private readonly SourceOptions _options = (options ?? SourceOptions.Default).Validated();

    public string Name => root;

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        var rootInfo = new DirectoryInfo(root);
        if (!rootInfo.Exists) throw new DirectoryNotFoundException($"{root}: no such folder");
        var meter = new ExpansionMeter(_options);
        return Walk(rootInfo, "", 0, meter, ct);
    }

    private IEnumerable<DatasetEntry> Walk(DirectoryInfo dir, string relative, int depth, ExpansionMeter meter, CancellationToken ct)
    {
        if (depth > _options.MaxPathDepth)
        {
            yield return DatasetEntry.Rejected(EntryPaths.Shorten(relative) + "/", QuarantineReasons.PathTooLong,
                $"{depth} folders deep > limit {_options.MaxPathDepth} (SourceOptions.MaxPathDepth); not walked further");
            yield break;
        }
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
            // Asked of the path itself (lstat), never of what it points to or holds.
            var kind = FileKinds.Of(child.FullName);
            if (kind == FileKind.Symlink)
            {
                yield return DatasetEntry.Rejected(rel, QuarantineReasons.Symlink, $"symbolic link to '{child.LinkTarget}' is not followed");
                continue;
            }
            if (kind == FileKind.Directory)
            {
                foreach (var e in Walk((DirectoryInfo)child, rel, depth + 1, meter, ct))
                {
                    yield return e;
                    if (meter.DropProblem() is not null) yield break; // the drop's limit: stop every level
                }
                continue;
            }
            if (kind == FileKind.Missing) continue; // removed while we walked
            if (kind != FileKind.Regular)
            {
                yield return DatasetEntry.Rejected(rel, QuarantineReasons.NotARegularFile, $"a {FileKinds.Describe(kind)} is never opened");
                continue;
            }
            var file = (FileInfo)child;
            var reason = EntryPaths.Classify(rel, out var path, out var identity, _options);
            if (reason is not null) { yield return DatasetEntry.Rejected(EntryPaths.Shorten(rel), reason); continue; }
            if (file.Length > _options.MaxEntryBytes)
            {
                yield return DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{file.Length} bytes > limit {_options.MaxEntryBytes}");
                continue;
            }
            meter.Expanded += file.Length;
            if (meter.DropProblem() is { } stop)
            {
                yield return DatasetEntry.Rejected(path, stop);
                yield break;
            }
            string full = file.FullName;
            yield return new DatasetEntry(path, identity, () => OpenRegular(full), file.Length);
        }
    }

    /// <summary>Opens the file only if it is still a regular file (it may have been swapped for a FIFO or link since the walk).</summary>
    private static FileStream OpenRegular(string full)
    {
        var kind = FileKinds.Of(full);
        if (kind != FileKind.Regular) throw new IOException($"{full}: is now a {FileKinds.Describe(kind)}, not opened");
        return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }
}
