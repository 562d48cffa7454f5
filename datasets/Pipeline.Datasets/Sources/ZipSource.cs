using System.IO.Compression;

namespace Pipeline.Datasets;

/// <summary>
/// A .zip of <c>&lt;identity&gt;/&lt;image&gt;</c> entries, read through its central directory in
/// ordinal name order. The stream should be seekable (a non-seekable one is buffered by ZipArchive).
/// Sizes and compression ratios are judged from the central directory before anything is decompressed;
/// an entry's stream is read only up to the size it declares.
/// </summary>
public sealed class ZipSource : IDatasetSource
{
    private const int UnixFileTypeMask = 0xF000, UnixSymlink = 0xA000, UnixRegular = 0x8000;
    private readonly ArchiveInput _input;
    private readonly SourceOptions _options;

    public ZipSource(string path, SourceOptions? options = null) : this(new ArchiveInput(path), options) { }

    public ZipSource(Func<Stream> open, string name, SourceOptions? options = null) : this(new ArchiveInput(open, name), options) { }

    private ZipSource(ArchiveInput input, SourceOptions? options)
    {
        _input = input;
        _options = (options ?? SourceOptions.Default).Validated();
    }

    public string Name => _input.Name;

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        using var opened = _input.Open();
        if (_input.CheckSize(opened, _options) is { } tooLarge) { yield return tooLarge; yield break; }
        DatasetEntry? overLimit = null;
        using var stream = opened.CanSeek ? opened : Spool(opened, out overLimit);
        if (overLimit is not null) { yield return overLimit; yield break; }
        ZipArchive? zip = null;
        string? error = null;
        try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e) { error = e.Message; }
        if (zip is null)
        {
            yield return DatasetEntry.Rejected(Name, QuarantineReasons.CorruptArchive, error ?? "unreadable zip");
            yield break;
        }
        using (zip)
        {
            var folders = new FolderTracker();
            var meter = new ExpansionMeter(_options) { IsCompressed = true };
            foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                ct.ThrowIfCancellationRequested();
                var result = Classify(entry, folders);
                if (result is null) continue;
                if (result.Rejection is null)
                {
                    // Counted as declared: the packer reads no more than that (DatasetEntry.Length).
                    meter.Expanded += entry.Length;
                    meter.Compressed += entry.CompressedLength;
                    if (meter.DropProblem() is { } stop)
                    {
                        yield return DatasetEntry.Rejected(Name, stop);
                        yield break;
                    }
                }
                yield return result;
            }
            foreach (var empty in folders.EmptyFolders()) yield return empty;
        }
    }

    /// <summary>
    /// ZipArchive would copy a stream that cannot seek into memory, whole: copy it to a temp file instead
    /// (deleted on close), refusing it once it passes MaxArchiveBytes.
    /// </summary>
    private Stream Spool(Stream source, out DatasetEntry? tooLarge)
    {
        tooLarge = null;
        var temp = new FileStream(Path.Combine(Path.GetTempPath(), $"zip-{Guid.NewGuid():N}.spool"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        var chunk = new byte[1 << 16];
        int n;
        while ((n = source.Read(chunk)) > 0)
        {
            temp.Write(chunk, 0, n);
            if (temp.Length <= _options.MaxArchiveBytes) continue;
            tooLarge = DatasetEntry.Rejected(Name, QuarantineReasons.ArchiveTooLarge, $"over {_options.MaxArchiveBytes} bytes (read so far: {temp.Length})");
            break;
        }
        temp.Position = 0;
        return temp;
    }

    private DatasetEntry? Classify(ZipArchiveEntry entry, FolderTracker folders)
    {
        string name = entry.FullName;
        int unixType = (entry.ExternalAttributes >> 16) & UnixFileTypeMask;
        if (name.EndsWith('/') || name.EndsWith('\\'))
        {
            if (name.Length > _options.MaxPathBytes) return null;
            folders.AddFolder(name);
            folders.AddChild(name.TrimEnd('/', '\\'));
            return null;
        }
        if (name.Length <= _options.MaxPathBytes) folders.AddChild(name);
        var reason = EntryPaths.Classify(name, out var path, out var identity, _options);
        if (unixType == UnixSymlink)
            return DatasetEntry.Rejected(reason is null ? path : EntryPaths.Shorten(name), QuarantineReasons.Symlink, "symbolic links are not followed");
        if (reason is not null)
            return DatasetEntry.IsSidecarFile(reason, path) && unixType is 0 or UnixRegular && entry.Length <= _options.MaxEntryBytes
                ? DatasetEntry.Sidecar(path, reason, entry.Open, entry.Length)
                : DatasetEntry.Rejected(EntryPaths.Shorten(name), reason);
        if (unixType != 0 && unixType != UnixRegular)
            return DatasetEntry.Rejected(path, QuarantineReasons.NotARegularFile, $"unix file type 0x{unixType:X4}");
        if (entry.Length > _options.MaxEntryBytes)
            return DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{entry.Length} bytes > limit {_options.MaxEntryBytes}");
        var one = new ExpansionMeter(_options) { IsCompressed = true };
        if (one.EntryProblem(entry.Length, entry.CompressedLength) is { } bomb) return DatasetEntry.Rejected(path, bomb);
        return new DatasetEntry(path, identity, entry.Open, entry.Length);
    }
}
