using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Dashboard.Tests;

/// <summary>Every dashboard response forbids framing and carries the content security policy; the policy admits exactly the page's own inline code.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SecurityHeadersTests(DashboardFixture fixture)
{
    private DashboardHost Host => fixture.Host;

    public static TheoryData<string, string> Responses => new()
    {
        { "GET", "/" },
        { "GET", "/api/runs" },
        { "GET", "/api/runs/no-such-run" },
        { "GET", "/api/runs?limit=0" },
        { "POST", "/api/retrain" },
        { "POST", "/api/runs/no-such-run/retrain" },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task Each_response_forbids_framing_and_carries_the_policy(string method, string path)
    {
        using var response = await Host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("default-src 'none'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
    }

    [Fact]
    public async Task The_policy_admits_the_pages_inline_script_and_style_by_their_hashes()
    {
        using var response = await Host.Http.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));

        var script = Regex.Match(html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;

        Assert.Contains($"script-src 'sha256-{Sha256(script)}'", policy);
        Assert.Contains($"style-src 'sha256-{Sha256(style)}'", policy);
        Assert.DoesNotMatch("style=\"", html); // style attributes would be refused: the page sets styles through the CSSOM
    }

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
