using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Dashboard;

/// <summary>
/// What every dashboard response carries: a content security policy that lets the page run only its own inline
/// script and style (by SHA-256, computed from the page itself, so an edit cannot leave a stale hash) and talk
/// only to its own origin, and no framing (frame-ancestors 'none' and X-Frame-Options: DENY against clickjacking
/// the retrain button).
/// </summary>
public static partial class SecurityHeaders
{
    public const string FrameOptions = "DENY";

    /// <summary>The page's policy: nothing is allowed that the page does not itself contain or fetch from its origin.</summary>
    public static string ContentSecurityPolicy(string html) => string.Join("; ",
        "default-src 'none'",
        $"script-src {Hashes(InlineScript(), html)}",
        $"style-src {Hashes(InlineStyle(), html)}",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'");

    /// <summary>Every endpoint mapped on the returned group answers with the headers.</summary>
    public static RouteGroupBuilder WithSecurityHeaders(this IEndpointRouteBuilder endpoints, string policy)
    {
        var group = endpoints.MapGroup("");
        group.AddEndpointFilter(async (context, next) =>
        {
            Apply(context.HttpContext.Response, policy);
            return await next(context);
        });
        return group;
    }

    public static void Apply(HttpResponse response, string policy)
    {
        response.Headers.ContentSecurityPolicy = policy;
        response.Headers.XFrameOptions = FrameOptions;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    // The browser hashes exactly the text between the tags.
    private static string Hashes(Regex block, string html)
    {
        var hashes = block.Matches(html).Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'").ToList();
        return hashes.Count == 0 ? "'none'" : string.Join(' ', hashes);
    }

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex InlineStyle();
}
