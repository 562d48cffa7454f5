using Pipeline.Artifacts;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// The search API. Reads are open, within the budgets of <see cref="SearchUpload"/>; anything that writes
/// (switching an alias, or rolling it back to the collection published before) needs the X-Api-Key header to equal Pipeline:ApiKey, and is
/// refused when none is set.
/// </summary>
public static class SearchEndpoints
{
    public sealed record VectorSearch(float[] Vector, int Top = 5, string? Identity = null, string? DatasetId = null, string? Run = null, string? Alias = null);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/search", async (HttpRequest request, FaceSearch search, CancellationToken ct) =>
        {
            if (request.ContentLength > SearchUpload.MaxBodyBytes) return TooLarge();
            // Kestrel stops reading a body without Content-Length (chunked) at the same limit.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = SearchUpload.MaxBodyBytes;
            SearchQuery query;
            try
            {
                if (request.HasFormContentType)
                {
                    var form = await request.ReadFormAsync(UploadForm, ct);
                    var file = form.Files["image"];
                    if (file is null) return Results.BadRequest(new { error = "multipart request without an 'image' file" });
                    var image = new byte[file.Length];
                    await using (var s = file.OpenReadStream()) await s.ReadExactlyAsync(image, ct);
                    query = new SearchQuery(image, null, int.TryParse(form["top"], out var t) ? t : 5,
                        Empty(form["identity"]), Empty(form["dataset"]), Empty(form["run"]), Empty(form["alias"]));
                }
                else
                {
                    var body = await request.ReadFromJsonAsync<VectorSearch>(ct);
                    if (body?.Vector is null) return Results.BadRequest(new { error = "JSON body needs a 'vector'" });
                    query = new SearchQuery(null, body.Vector, body.Top, body.Identity, body.DatasetId, body.Run, body.Alias);
                }
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return TooLarge(); }
            catch (InvalidDataException e) { return Results.BadRequest(new { error = $"multipart body: {e.Message} (a search upload is at most {SearchUpload.MaxBodyBytes} bytes)" }); }
            catch (System.Text.Json.JsonException e) { return Results.BadRequest(new { error = $"JSON body: {e.Message}" }); }
            return await Guard(async () => Results.Ok(await search.SearchAsync(query, ct)));
        }).DisableAntiforgery();

        app.MapGet("/api/identities/{id}", async (string id, string? run, string? alias, FaceSearch search, IVectorIndex index, CancellationToken ct,
            int offset = 0, int limit = 100) =>
            await Guard(async () =>
            {
                if (offset is < 0 or > MaxMemberOffset) return Results.BadRequest(new { error = $"offset = {offset}: expected 0..{MaxMemberOffset}" });
                if (limit is < 1 or > MaxMembers) return Results.BadRequest(new { error = $"limit = {limit}: expected 1..{MaxMembers}" });
                var collection = await search.ResolveAsync(run, alias, ct);
                var filter = new FaceFilter(Identity: id);
                long count = await index.CountAsync(collection, filter, ct);
                if (count == 0) return Results.NotFound(new { error = $"identity '{id}' has no samples in {collection}" });
                // Its template (unit mean) ranks its own samples and finds the identities that look most alike.
                var template = await index.RetrieveAsync(IdentityTemplates.CollectionFor(collection), [id], ct);
                if (template.Count == 0) return Results.NotFound(new { error = $"identity '{id}' has no template in {collection}" });
                var query = template[0].Vector;
                var samples = offset >= count ? [[]] : await index.SearchAsync(collection, [query], (int)Math.Min(count, offset + limit), filter, ct);
                var similar = await index.SearchAsync(IdentityTemplates.CollectionFor(collection), [query], 6, null, ct);
                return Results.Ok(new
                {
                    identity = id, collection, run = IndexNames.ModelOf(collection).RunId, samples = count, offset, limit,
                    members = samples[0].Skip(offset).Select(FaceSearch.Hit),
                    nearest_identities = similar[0].Where(m => m.Id != id).Take(5).Select(m => new { identity = m.Id, score = Math.Round(m.Score, 6) }),
                });
            }));

        app.MapGet("/api/samples/{dataset}/{**path}", async (string dataset, string path, SampleThumbnails thumbnails, CancellationToken ct) =>
            await Guard(async () =>
            {
                var png = await thumbnails.PngAsync(dataset, path, ct);
                return png is null ? Results.NotFound() : Results.File(png, "image/png");
            }));

        app.MapGet("/api/aliases", async (IVectorIndex index, CancellationToken ct) => Results.Ok(await index.ListAliasesAsync(ct)));

        app.MapGet("/api/index", async (ServedIndex served, CancellationToken ct) => Results.Ok(await served.OverviewAsync(ct)));

        app.MapPut("/api/aliases/{alias}", async (string alias, string collection, HttpRequest request, ServedIndex served, ServiceSettings settings, CancellationToken ct) =>
            Refused(request, settings) ?? await Guard(async () =>
            {
                await served.SwitchAsync(alias, collection, AliasSwitch.Set, ct);
                return Results.Ok(new { alias, collection });
            }));

        app.MapPost("/api/aliases/{alias}/rollback", async (string alias, HttpRequest request, ServedIndex served, ServiceSettings settings, CancellationToken ct) =>
            Refused(request, settings) ?? await Guard(async () =>
            {
                try { return Results.Ok(await served.RollBackAsync(alias, ct)); }
                catch (InvalidOperationException e) { return Results.Conflict(new { error = e.Message }); }
            })).DisableAntiforgery();
    }

    /// <summary>An identity page's members: a page of its samples ranked by its template, at most this deep.</summary>
    public const int MaxMembers = 200, MaxMemberOffset = 800;

    /// <summary>Why a write is refused (403), or null when the request carries the key.</summary>
    private static IResult? Refused(HttpRequest request, ServiceSettings settings) => ApiKeys.Authorized(request, settings) ? null
        : Results.Json(new { error = settings.ApiKey.Length == 0 ? "alias switches are disabled: Pipeline:ApiKey is not configured"
            : $"missing or wrong {ApiKeys.Header} header" }, statusCode: StatusCodes.Status403Forbidden);

    private static async Task<IResult> Guard(Func<Task<IResult>> body)
    {
        try { return await body(); }
        catch (SearchInputException e) { return Results.BadRequest(new { error = e.Message }); }
        catch (KeyNotFoundException e) { return Results.NotFound(new { error = e.Message }); }
        catch (ArgumentException e) { return Results.BadRequest(new { error = e.Message }); }
    }

    /// <summary>One image and a few short fields: the body limit also bounds the multipart sections.</summary>
    private static readonly FormOptions UploadForm = new()
    {
        MultipartBodyLengthLimit = SearchUpload.MaxBodyBytes,
        ValueCountLimit = 16,
        ValueLengthLimit = 1024,
        MultipartHeadersCountLimit = 8,
    };

    private static IResult TooLarge() => Results.Json(
        new { error = $"request body over the {SearchUpload.MaxBodyBytes >> 20} MiB ({SearchUpload.MaxBodyBytes} bytes) limit of a search upload" },
        statusCode: StatusCodes.Status413PayloadTooLarge);

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
