using Pipeline.Artifacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipeline.Infra.Ledger;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Dashboard;

/// <summary>
/// The faces behind a run, a page at a time: its purification decisions (<see cref="PurificationGallery"/>), its
/// identities' drop rates, its dataset's quarantine and ingest examples, and the thumbnails they show; and its
/// training stages' metrics per epoch.
/// </summary>
public static class GalleryEndpoints
{
    public const int MaxLimit = PurificationGallery.MaxLimit;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs/{id}/purification", async (string id, RunLedger ledger, RunReports reports, CancellationToken ct,
            string? decision, string? identity, string? reason, double? minScore, double? maxScore, string? sort, int offset = 0, int limit = 48) =>
        {
            var query = new GalleryQuery(decision, identity, reason, minScore, maxScore, sort, offset, limit);
            if (PurificationGallery.Validate(query) is { } problem) return Results.BadRequest(new { error = problem });
            var (gallery, missing) = await GalleryAsync(id, ledger, reports, ct);
            return gallery is null ? missing! : Results.Ok(gallery.Page(query));
        });

        app.MapGet("/api/runs/{id}/purification/identities", async (string id, RunLedger ledger, RunReports reports, CancellationToken ct,
            string? sort, int offset = 0, int limit = 20) =>
        {
            if (PurificationGallery.Paging(offset, limit) is { } problem) return Results.BadRequest(new { error = problem });
            if (sort is not (null or "" or "drop-rate" or "identity")) return Results.BadRequest(new { error = $"sort = '{sort}': expected drop-rate or identity" });
            var (gallery, missing) = await GalleryAsync(id, ledger, reports, ct);
            return gallery is null ? missing! : Results.Ok(gallery.Identities(offset, limit, sort));
        });

        app.MapGet("/api/runs/{id}/stages/{stage}/metrics", async (string id, string stage, RunReports reports, CancellationToken ct) =>
            await Guard(async () =>
            {
                CollectionNames.Validate(id, "run");
                CollectionNames.Validate(stage, "stage");
                var metrics = await reports.MetricsAsync(id, stage, ct);
                if (metrics is null) return Results.NotFound(new { error = $"run '{id}' has no metrics for stage '{stage}' (yet)" });
                return Results.Ok(new { runId = id, stage, metrics = metrics["metrics"], samples = metrics["samples"], identities = metrics["identities"], history = metrics["history"] });
            }));

        app.MapGet("/api/datasets/{dataset}/quarantine", async (string dataset, RunReports reports, CancellationToken ct,
            string? code, int offset = 0, int limit = 50) => await Guard(async () =>
        {
            CollectionNames.Validate(dataset, "dataset");
            if (PurificationGallery.Paging(offset, limit) is { } problem) return Results.BadRequest(new { error = problem });
            var entries = await reports.QuarantineAsync(dataset, ct);
            if (entries is null) return Results.NotFound(new { error = $"dataset '{dataset}' has no quarantine.json" });
            var codes = entries.GroupBy(e => e.Code, StringComparer.Ordinal).Select(g => new { code = g.Key, count = g.Count() })
                .OrderByDescending(c => c.count).ThenBy(c => c.code, StringComparer.Ordinal).ToList();
            var matching = string.IsNullOrEmpty(code) ? entries : entries.Where(e => e.Code == code).ToList();
            return Results.Ok(new
            {
                datasetId = dataset, total = matching.Count, offset, limit, codes,
                items = matching.Skip(offset).Take(limit).Select(e => new { path = e.Path, code = e.Code, reason = e.Reason }),
            });
        }));

        app.MapGet("/api/datasets/{dataset}/examples", async (string dataset, RunReports reports, CancellationToken ct,
            int offset = 0, int limit = 24) => await Guard(async () =>
        {
            CollectionNames.Validate(dataset, "dataset");
            if (PurificationGallery.Paging(offset, limit) is { } problem) return Results.BadRequest(new { error = problem });
            var examples = await reports.ExamplesAsync(dataset, ct);
            return Results.Ok(new { datasetId = dataset, total = examples.Count, offset, limit, items = examples.Skip(offset).Take(limit) });
        }));

        app.MapGet("/api/datasets/{dataset}/samples/{**path}", async (string dataset, string path, SampleThumbnails thumbnails,
            HttpResponse response, CancellationToken ct) => await Guard(async () =>
        {
            var png = await thumbnails.PngAsync(dataset, path, ct);
            if (png is null) return Results.NotFound();
            response.Headers.CacheControl = ImmutableForAnHour; // a packed dataset never changes
            return Results.File(png, "image/png");
        }));

        app.MapGet("/api/datasets/{dataset}/examples/{name}", async (string dataset, string name, RunReports reports,
            HttpResponse response, CancellationToken ct) => await Guard(async () =>
        {
            CollectionNames.Validate(dataset, "dataset");
            var photo = await reports.ExamplePhotoAsync(dataset, name, ct);
            if (photo is null) return Results.NotFound();
            response.Headers.CacheControl = ImmutableForAnHour;
            return Results.File(photo, name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg");
        }));
    }

    private const string ImmutableForAnHour = "private, max-age=3600";

    private static async Task<(PurificationGallery? Gallery, IResult? Missing)> GalleryAsync(string runId, RunLedger ledger, RunReports reports, CancellationToken ct)
    {
        var run = (await ledger.GetRunAsync(runId, ct))?.Run;
        if (run is null) return (null, Results.NotFound(new { error = $"run '{runId}' is not in the ledger" }));
        if (run.DatasetId is null) return (null, Results.NotFound(new { error = $"run '{runId}' has no ingested dataset yet" }));
        var gallery = await reports.GalleryAsync(run.DatasetId, runId);
        return gallery is null ? (null, Results.NotFound(new { error = $"run '{runId}' has no purification report (yet)" })) : (gallery, null);
    }

    private static async Task<IResult> Guard(Func<Task<IResult>> body)
    {
        try { return await body(); }
        catch (ArgumentException e) { return Results.BadRequest(new { error = e.Message }); }
    }
}
