using Pipeline.Artifacts;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Purification;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard;

/// <summary>
/// What the dashboard reads from a run's stored artefacts: its purification report (as a <see cref="PurificationGallery"/>,
/// the last few kept: <see cref="GalleriesKept"/>), its training stages' metrics, its dataset's quarantine and ingest examples.
/// </summary>
public sealed class RunReports
{
    public const int GalleriesKept = 2;

    private readonly ArtifactStore _store;
    private readonly BoundedCache<PurificationGallery> _galleries;

    public RunReports(ArtifactStore store)
    {
        _store = store;
        _galleries = new(GalleriesKept, async key =>
        {
            var (datasetId, runId) = (key[..key.IndexOf('\n')], key[(key.IndexOf('\n') + 1)..]);
            var path = BlobPaths.PurifiedReport(datasetId, runId);
            var report = await store.GetJsonAsync<PurificationReport>(BlobContainers.Datasets, path, CancellationToken.None)
                ?? throw new FileNotFoundException($"{BlobContainers.Datasets}/{path}: no purification report", path);
            return new PurificationGallery(datasetId, runId, report);
        }, _ => { });
    }

    /// <summary>The run's purification gallery, or null when its dataset has no report for it (yet).</summary>
    public async Task<PurificationGallery?> GalleryAsync(string datasetId, string runId)
    {
        try { return await _galleries.GetAsync(datasetId + "\n" + runId); }
        catch (FileNotFoundException) { return null; } // not cached: the report may be written later
    }

    /// <summary>A training stage's metrics.json (its options, final metrics and one entry per epoch), or null before it finished.</summary>
    public Task<JsonNode?> MetricsAsync(string runId, string stage, CancellationToken ct) =>
        _store.GetJsonAsync<JsonNode>(BlobContainers.Models, BlobPaths.Metrics(runId, stage), ct);

    /// <summary>The dataset's quarantine (inputs refused at ingest), or null when the dataset has none stored.</summary>
    public async Task<IReadOnlyList<QuarantineEntry>?> QuarantineAsync(string datasetId, CancellationToken ct)
    {
        await using var s = await _store.Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId), ct);
        return s is null ? null : DatasetFiles.ReadQuarantine(s);
    }

    /// <summary>The dataset's ingest examples (photos beside their aligned crops or quarantine reasons), or none.</summary>
    public async Task<IReadOnlyList<FaceExample>> ExamplesAsync(string datasetId, CancellationToken ct)
    {
        var path = BlobPaths.DatasetExamples(datasetId);
        await using var s = await _store.Blobs.GetAsync(BlobContainers.Datasets, path, ct);
        try { return s is null ? [] : FaceExamples.Read(s); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{BlobContainers.Datasets}/{path}: {e.Message}", e);
        }
    }

    /// <summary>An example's downscaled photo (<c>examples/&lt;n&gt;.jpg</c> beside examples.json), or null.</summary>
    public async Task<byte[]?> ExamplePhotoAsync(string datasetId, string name, CancellationToken ct)
    {
        if (!FaceExample.IsPhotoName(name)) return null;
        await using var s = await _store.Blobs.GetAsync(BlobContainers.Datasets, $"{datasetId}/examples/{name}", ct);
        if (s is null) return null;
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy, ct);
        return copy.ToArray();
    }
}
