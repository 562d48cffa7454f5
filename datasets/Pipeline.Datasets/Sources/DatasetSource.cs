namespace Pipeline.Datasets;

/// <summary>Picks the reader for what a user dropped, from its path.</summary>
public static class DatasetSource
{
    /// <summary>
    /// A folder (RecordIO when it holds train.rec, else image folders), a .zip, a .tar / .tar.gz /
    /// .tgz, or a .rec file (with the .idx beside it when present).
    /// </summary>
    public static IDatasetSource Open(string path, SourceOptions? options = null)
    {
        if (Directory.Exists(path))
        {
            var rec = Path.Combine(path, "train.rec");
            return File.Exists(rec) ? new RecordIoSource(rec, null, options) : new DirectorySource(path, options);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or folder", path);
        // Named by the user, so a link is followed here, but what it ends at must be a file: opening a FIFO blocks.
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        var kind = FileKinds.Of(target);
        if (kind != FileKind.Regular) throw new ArgumentException($"{path}: a {FileKinds.Describe(kind)}, not a dataset file; refusing to open it");
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".zip")) return new ZipSource(path, options);
        if (name.EndsWith(".tar") || name.EndsWith(".tar.gz") || name.EndsWith(".tgz")) return new TarSource(path, options);
        if (name.EndsWith(".rec")) return new RecordIoSource(path, null, options);
        throw new ArgumentException($"{path}: not a dataset (expected a folder, .zip, .tar, .tar.gz, .tgz or .rec)");
    }
}
