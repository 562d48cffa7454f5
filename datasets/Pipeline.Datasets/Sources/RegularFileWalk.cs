namespace Pipeline.Datasets;

/// <summary>
/// The regular files under a folder in ordinal path order, for tools that copy or fingerprint a dataset:
/// a symbolic link (to a file or a folder) is never followed, a FIFO, socket or device never opened; each
/// is handed to the caller's <c>skipped</c> callback instead of being silently left out.
/// </summary>
public static class RegularFileWalk
{
    /// <param name="skipped">Called with the full path and what it is, for everything that is not a regular file or folder.</param>
    public static IEnumerable<string> Files(string root, Action<string, FileKind>? skipped = null)
    {
        var children = new DirectoryInfo(root).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        foreach (var child in children)
        {
            var kind = FileKinds.Of(child.FullName);
            if (kind == FileKind.Directory)
            {
                foreach (var f in Files(child.FullName, skipped)) yield return f;
            }
            else if (kind == FileKind.Regular) yield return child.FullName;
            else if (kind != FileKind.Missing) skipped?.Invoke(child.FullName, kind);
        }
    }

    /// <summary>The quarantine reason ("symlink: ...", "not-a-regular-file: ...") for what a walk skipped.</summary>
    public static string Reason(string fullPath, FileKind kind) => kind == FileKind.Symlink
        ? QuarantineReasons.Format(QuarantineReasons.Symlink, $"symbolic link to '{new FileInfo(fullPath).LinkTarget}' is not followed")
        : QuarantineReasons.Format(QuarantineReasons.NotARegularFile, $"a {FileKinds.Describe(kind)} is never opened");
}
