using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Contracts;

/// <summary>Run ids are short, sortable-enough strings; derived ids make redelivered messages idempotent.</summary>
public static class RunIds
{
    /// <summary>A new run id: UTC timestamp plus random suffix, e.g. "20250101T120000Z-3f2a9c".</summary>
    public static string New(DateTimeOffset? now = null)
    {
        var t = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        return $"{t:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    }

    /// <summary>The same key always gives the same run id (e.g. a drop name or a retrain request id).</summary>
    public static string FromKey(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return "r-" + Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
