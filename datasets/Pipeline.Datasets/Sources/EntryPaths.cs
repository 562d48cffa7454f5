using System.Text;

namespace Pipeline.Datasets;

/// <summary>
/// Turns a raw name from a folder or archive into a safe relative path and its identity (the name of
/// the folder that holds the file), or says why it cannot be used.
/// </summary>
public static class EntryPaths
{
    /// <summary>Returns null when the name is usable, otherwise a quarantine reason.</summary>
    public static string? Classify(string rawName, out string path, out string identity, SourceOptions? options = null)
    {
        options ??= SourceOptions.Default;
        path = rawName.Replace('\\', '/');
        identity = "";
        // Checked first: a hostile name may be megabytes long, and every later check walks it.
        if (path.Length > options.MaxPathBytes || Encoding.UTF8.GetByteCount(path) > options.MaxPathBytes)
        {
            path = Shorten(path);
            return QuarantineReasons.Format(QuarantineReasons.PathTooLong, $"{Encoding.UTF8.GetByteCount(rawName)} bytes > limit {options.MaxPathBytes} (SourceOptions.MaxPathBytes)");
        }
        if (string.IsNullOrWhiteSpace(path))
            return QuarantineReasons.Format(QuarantineReasons.UnreadableName, "empty name");
        if (!IsReadable(path))
            return QuarantineReasons.Format(QuarantineReasons.UnreadableName, "control or undecodable characters in the name");
        if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
            return QuarantineReasons.Format(QuarantineReasons.UnsafePath, "absolute path");
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Contains(".."))
            return QuarantineReasons.Format(QuarantineReasons.UnsafePath, "'..' segment escapes the dataset root");
        path = string.Join('/', segments);
        if (segments.Length == 0)
            return QuarantineReasons.Format(QuarantineReasons.UnreadableName, "empty name");
        if (segments.Any(s => s.StartsWith('.') || s == "__MACOSX"))
            return QuarantineReasons.Format(QuarantineReasons.HiddenFile, "hidden or system file");
        if (segments.Length - 1 > options.MaxPathDepth)
            return QuarantineReasons.Format(QuarantineReasons.PathTooLong, $"{segments.Length - 1} folders deep > limit {options.MaxPathDepth} (SourceOptions.MaxPathDepth)");
        if (segments.Length < 2)
            return QuarantineReasons.Format(QuarantineReasons.NoIdentityFolder, "files must sit in an <identity>/ folder");
        identity = segments[^2];
        return null;
    }

    /// <summary>A name short enough to print and to store as a quarantine path (its head and tail kept).</summary>
    public static string Shorten(string name, int max = 200) =>
        name.Length <= max ? name : $"{name[..(max / 2)]}...({name.Length - max} chars)...{name[^(max / 2)..]}";

    /// <summary>Normalises a folder name the same way (for empty-folder reports).</summary>
    public static string Normalize(string rawName) =>
        string.Join('/', rawName.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));

    private static bool IsReadable(string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c < 0x20 || c == 0x7F || c == '\uFFFD') return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= name.Length || !char.IsLowSurrogate(name[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return false;
        }
        return true;
    }
}
