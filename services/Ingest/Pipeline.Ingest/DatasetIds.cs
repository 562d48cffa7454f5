using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Ingest;

/// <summary>The dataset id of a drop: a blob path segment of lowercase letters, digits and single '-'.</summary>
public static partial class DatasetIds
{
    private const int MaxBase = 48;

    /// <summary>
    /// A drop name that already is such a segment is its own id ("celebs", "celebs-2024"). Any other name keeps its
    /// letters and digits and gets a hash of the whole name appended ("celebs.tar.gz" -> "celebs-tar-gz-1a2b3c4d",
    /// "faces.v2" and "faces_v2" each their own), so two different drop names never share a dataset: a name that
    /// merely looks like a hashed id gets a hash of its own too.
    /// </summary>
    public static string FromDropName(string dropName)
    {
        var sb = new StringBuilder(dropName.Length);
        foreach (var c in dropName.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        var id = sb.ToString().Trim('-');
        if (id == dropName && id.Length <= MaxBase && !HashSuffix().IsMatch(id)) return id;
        if (id.Length > MaxBase) id = id[..MaxBase].TrimEnd('-');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dropName)).AsSpan(0, 4));
        return id.Length == 0 ? "drop-" + hash : $"{id}-{hash}";
    }

    [GeneratedRegex("-[0-9a-f]{8}$")]
    private static partial Regex HashSuffix();
}
