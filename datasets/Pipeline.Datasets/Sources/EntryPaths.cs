namespace Pipeline.Datasets;

/// <summary>
/// Turns a raw name from a folder or archive into a safe relative path and its identity (the name of
/// the folder that holds the file), or says why it cannot be used.
/// </summary>
public static class EntryPaths
{
    /// <summary>Returns null when the name is usable, otherwise a quarantine reason.</summary>
    public static string? Classify(string rawName, out string path, out string identity)
    {
        path = rawName.Replace('\\', '/');
        identity = "";
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
        if (segments.Length < 2)
            return QuarantineReasons.Format(QuarantineReasons.NoIdentityFolder, "files must sit in an <identity>/ folder");
        identity = segments[^2];
        return null;
    }

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
