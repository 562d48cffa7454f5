using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Ingest;

/// <summary>The dataset id of a drop: a blob path segment of lowercase letters, digits and single '-'.</summary>
public static class DatasetIds
{
    private const int MaxBase = 48;

    /// <summary>
    /// "celebs" -> "celebs", "celebs.tar.gz" -> "celebs-tar-gz" (so a folder and an archive of one name never
    /// share a dataset). When more than '.' had to change ("My Faces", "émile"), a hash of the drop name is
    /// appended so that two different drops never collide.
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
        if (id.Length > MaxBase) id = id[..MaxBase].TrimEnd('-');
        bool lossless = id == dropName.Replace('.', '-');
        if (lossless && id.Length > 0) return id;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dropName)).AsSpan(0, 4));
        return id.Length == 0 ? "drop-" + hash : $"{id}-{hash}";
    }
}
