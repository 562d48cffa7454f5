using System.Text.RegularExpressions;

namespace Pipeline.Infra.Blobs;

/// <summary>Validation shared by the stores so a path that works locally also works in Azure.</summary>
internal static partial class BlobNames
{
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")]
    private static partial Regex ContainerPattern();

    public static void CheckContainer(string container)
    {
        if (!ContainerPattern().IsMatch(container))
            throw new ArgumentException($"{container}: container names are 3-63 lowercase letters, digits and single hyphens", nameof(container));
    }

    public static void CheckPath(string container, string path)
    {
        CheckContainer(container);
        if (string.IsNullOrEmpty(path) || path.Length > 1024 || path.StartsWith('/') || path.EndsWith('/') || path.Contains('\\')
            || path.Split('/').Any(s => s is "" or "." or ".."))
            throw new ArgumentException($"{container}/{path}: blob paths are relative, '/'-separated, without empty, '.' or '..' segments", nameof(path));
    }

    public static void CheckPrefix(string container, string prefix)
    {
        CheckContainer(container);
        if (prefix.StartsWith('/') || prefix.Contains('\\') || prefix.Split('/').Any(s => s is "." or ".."))
            throw new ArgumentException($"{container}/{prefix}: invalid prefix", nameof(prefix));
    }
}
