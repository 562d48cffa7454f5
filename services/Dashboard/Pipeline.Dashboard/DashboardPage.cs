using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Dashboard;

/// <summary>GET /: the operators' page, one self-contained HTML file embedded in this assembly (no CDN, no build step).</summary>
public static class DashboardPage
{
    public const string ResourceName = "Pipeline.Dashboard.index.html";

    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName}: embedded resource missing from {typeof(DashboardPage).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The policy every dashboard response carries, allowing this page's inline script and style by hash.</summary>
    public static string Policy => PolicyOfPage.Value;

    private static readonly Lazy<string> PolicyOfPage = new(() => SecurityHeaders.ContentSecurityPolicy(System.Text.Encoding.UTF8.GetString(Html.Value)));

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpResponse response) =>
        {
            response.Headers.CacheControl = "no-cache";
            return Results.Bytes(Html.Value, "text/html; charset=utf-8");
        });
    }
}
