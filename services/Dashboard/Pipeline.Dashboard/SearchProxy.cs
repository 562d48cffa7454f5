using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Pipeline.Dashboard;

/// <summary>
/// The search API's routes forwarded to the Indexer at <c>Pipeline:SearchUrl</c>: in distributed mode search is
/// another process, and the page's content-security policy lets it call its own origin only. Set only where the
/// Indexer is not hosted in the same process (the one-process hosts serve search themselves).
/// </summary>
public static class SearchProxy
{
    public const string Setting = "Pipeline:SearchUrl";

    /// <summary>The search API's routes (services/Indexer's SearchEndpoints and ServedIndex).</summary>
    public static readonly string[] Routes = ["/api/search", "/api/index", "/api/aliases", "/api/aliases/{**rest}", "/api/identities/{**rest}", "/api/samples/{**rest}"];

    private static readonly HashSet<string> Forwarded = new(StringComparer.OrdinalIgnoreCase) { "Content-Type", "Accept", "X-Api-Key" };

    public static void Map(IEndpointRouteBuilder app, Uri upstream)
    {
        // Search is idempotent and the caller's page retries on its own; a lost Indexer answers 502 with the reason.
        var http = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var route in Routes)
            app.Map(route, (HttpContext context) => ForwardAsync(http, context));
    }

    private static async Task ForwardAsync(HttpClient http, HttpContext context)
    {
        var request = context.Request;
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            forward.Content = new StreamContent(request.Body);
        foreach (var (name, value) in request.Headers)
            if (Forwarded.Contains(name) && !forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value))
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        HttpResponseMessage answer;
        try { answer = await http.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsJsonAsync(new { error = $"the search API at {http.BaseAddress} did not answer: {e.Message}" });
            return;
        }
        using (answer)
        {
            context.Response.StatusCode = (int)answer.StatusCode;
            if (answer.Content.Headers.ContentType is { } type) context.Response.ContentType = type.ToString();
            if (answer.Headers.CacheControl is { } cache) context.Response.Headers.CacheControl = new StringValues(cache.ToString());
            await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
