using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// The search API. Reads are open; anything that writes (switching an alias back to an older
/// model) needs the X-Api-Key header to equal Pipeline:ApiKey, and is refused when none is set.
/// </summary>
public static class SearchEndpoints
{
    public sealed record VectorSearch(float[] Vector, int Top = 5, string? Identity = null, string? DatasetId = null, string? Run = null, string? Alias = null);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/search", async (HttpRequest request, FaceSearch search, CancellationToken ct) =>
        {
            SearchQuery query;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(ct);
                var file = form.Files["image"];
                if (file is null) return Results.BadRequest(new { error = "multipart request without an 'image' file" });
                using var ms = new MemoryStream();
                await file.CopyToAsync(ms, ct);
                query = new SearchQuery(ms.ToArray(), null, int.TryParse(form["top"], out var t) ? t : 5,
                    Empty(form["identity"]), Empty(form["dataset"]), Empty(form["run"]), Empty(form["alias"]));
            }
            else
            {
                var body = await request.ReadFromJsonAsync<VectorSearch>(ct);
                if (body?.Vector is null) return Results.BadRequest(new { error = "JSON body needs a 'vector'" });
                query = new SearchQuery(null, body.Vector, body.Top, body.Identity, body.DatasetId, body.Run, body.Alias);
            }
            return await Guard(async () => Results.Ok(await search.SearchAsync(query, ct)));
        }).DisableAntiforgery();

        app.MapGet("/api/identities/{id}", async (string id, string? run, string? alias, FaceSearch search, IVectorIndex index, CancellationToken ct) =>
            await Guard(async () =>
            {
                var collection = await search.ResolveAsync(run, alias, ct);
                var filter = new FaceFilter(Identity: id);
                long count = await index.CountAsync(collection, filter, ct);
                if (count == 0) return Results.NotFound(new { error = $"identity '{id}' has no samples in {collection}" });
                // Its template (unit mean) ranks its own samples and finds the identities that look most alike.
                var template = await index.RetrieveAsync(IdentityTemplates.CollectionFor(collection), [id], ct);
                if (template.Count == 0) return Results.NotFound(new { error = $"identity '{id}' has no template in {collection}" });
                var query = template[0].Vector;
                var samples = await index.SearchAsync(collection, [query], (int)Math.Min(count, 100), filter, ct);
                var similar = await index.SearchAsync(IdentityTemplates.CollectionFor(collection), [query], 6, null, ct);
                return Results.Ok(new
                {
                    identity = id, collection, samples = count,
                    members = samples[0].Select(FaceSearch.Hit),
                    nearest_identities = similar[0].Where(m => m.Id != id).Take(5).Select(m => new { identity = m.Id, score = Math.Round(m.Score, 6) }),
                });
            }));

        app.MapGet("/api/samples/{dataset}/{**path}", async (string dataset, string path, FaceSearch search, CancellationToken ct) =>
        {
            var png = await search.SamplePngAsync(dataset, path, ct);
            return png is null ? Results.NotFound() : Results.File(png, "image/png");
        });

        app.MapGet("/api/aliases", async (IVectorIndex index, CancellationToken ct) => Results.Ok(await index.ListAliasesAsync(ct)));

        app.MapPut("/api/aliases/{alias}", async (string alias, string collection, HttpRequest request, IVectorIndex index, ServiceSettings settings, CancellationToken ct) =>
        {
            if (!Authorized(request, settings)) return Results.StatusCode(StatusCodes.Status403Forbidden);
            return await Guard(async () =>
            {
                await index.SetAliasAsync(alias, collection, ct);
                return Results.Ok(new { alias, collection });
            });
        });
    }

    /// <summary>Writes need the configured key; with no key configured, no one may write.</summary>
    public static bool Authorized(HttpRequest request, ServiceSettings settings) =>
        settings.ApiKey.Length > 0 && request.Headers["X-Api-Key"] == settings.ApiKey;

    private static async Task<IResult> Guard(Func<Task<IResult>> body)
    {
        try { return await body(); }
        catch (SearchInputException e) { return Results.BadRequest(new { error = e.Message }); }
        catch (KeyNotFoundException e) { return Results.NotFound(new { error = e.Message }); }
        catch (ArgumentException e) { return Results.BadRequest(new { error = e.Message }); }
    }

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
