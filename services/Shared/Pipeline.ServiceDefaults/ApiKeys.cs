using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The one check of the X-Api-Key header that every writing endpoint makes: the configured key must be set,
/// the header given exactly once, and the two compared in constant time (no early exit that leaks the prefix).
/// </summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";

    /// <summary>Writes need the configured key; with no key configured, no one may write.</summary>
    public static bool Authorized(HttpRequest request, ServiceSettings settings) =>
        settings.ApiKey.Length > 0 && request.Headers[Header] is [{ } given] && Matches(given, settings.ApiKey);

    /// <summary>
    /// Constant-time comparison of the UTF-8 bytes' SHA-256 digests: equal-length inputs, so neither the content
    /// nor the key's length shows in the time (FixedTimeEquals alone returns at once on different lengths).
    /// </summary>
    public static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Digest(given), Digest(expected));

    private static byte[] Digest(string s) => SHA256.HashData(Encoding.UTF8.GetBytes(s));
}
