using System.Diagnostics;
using Pipeline.Alignment;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.Interop;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>A search request: an image or a vector, how many matches, optional filters, and the alias or run to search.</summary>
public sealed record SearchQuery(byte[]? Image, float[]? Vector, int Top = 5, string? Identity = null, string? DatasetId = null, string? Run = null, string? Alias = null);

public sealed record SearchHit(string Id, string Identity, double Score, string DatasetId, string? SamplePath, string? ThumbnailUrl);

public sealed record SearchResult(string Collection, string Run, IReadOnlyList<SearchHit> Matches);

/// <summary>The caller's input is wrong (bad image, unknown target): the message names what and why.</summary>
public sealed class SearchInputException(string message) : Exception(message);

/// <summary>
/// Face search over the index: an image is embedded by the very model that embedded the collection
/// searched (resolved from the alias at request time; <see cref="IndexModels.For"/>), so query and gallery never come from
/// different models. The last few models used are kept loaded (<see cref="ModelsKept"/>); an older one is
/// released once no request is using it. Concurrent searches of one collection share a scan (<see cref="SearchBatcher"/>).
/// Hits' thumbnails are served by <see cref="SampleThumbnails"/>.
/// </summary>
public sealed class FaceSearch
{
    public const int ModelsKept = 2;

    private readonly IVectorIndex _index;
    private readonly SearchBatcher _batcher;
    private readonly BoundedCache<Loaded<ServedModel>> _models;

    public FaceSearch(IVectorIndex index, ArtifactStore store)
    {
        _index = index;
        _batcher = new SearchBatcher(index);
        _models = new(ModelsKept, async run =>
        {
            var plan = await store.GetJsonAsync<RunPlan>(BlobContainers.Models, BlobPaths.RunPlan(run), CancellationToken.None);
            var model = await IndexModels.OpenAsync(store, IndexModels.For(run, plan), CancellationToken.None);
            // A model without its run's plan predates face alignment: its gallery was centre-cropped.
            return new Loaded<ServedModel>(new ServedModel(model, FacePolicy.ForQuery(plan?.FaceAlignment ?? FaceAlignments.None)), m => m.Model.Dispose());
        }, m => m.Retire());
    }

    public async Task<string> ResolveAsync(string? run, string? alias, CancellationToken ct)
    {
        if (run is not null)
        {
            var name = IndexNames.Collection(run);
            if (!(await _index.ListCollectionsAsync(ct)).Contains(name)) throw new SearchInputException($"run '{run}' has no index");
            return name;
        }
        var a = alias ?? CollectionNames.ServingAlias;
        return await _index.ResolveAsync(a, ct) ?? throw new SearchInputException($"alias '{a}' does not exist yet: no model has been published");
    }

    public async Task<SearchResult> SearchAsync(SearchQuery q, CancellationToken ct)
    {
        if (q.Top is < 1 or > 1000) throw new SearchInputException($"top must be 1..1000 (got {q.Top})");
        var started = Stopwatch.GetTimestamp();
        var collection = await ResolveAsync(q.Run, q.Alias, ct);
        var model = IndexNames.ModelOf(collection);
        float[] vector = q.Vector ?? (q.Image is not null ? await EmbedAsync(model.RunId, q.Image, ct)
            : throw new SearchInputException("give an image (multipart field 'image') or a vector"));
        var filter = new FaceFilter(q.Identity, q.DatasetId);
        var found = await _batcher.SearchAsync(collection, vector, q.Top, filter, ct);
        PipelineTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new SearchResult(collection, model.RunId, found.Select(Hit).ToList());
    }

    public static SearchHit Hit(FaceMatch m) => new(m.Id, m.Payload.Identity, Math.Round(m.Score, 6), m.Payload.DatasetId, m.Payload.SamplePath,
        m.Payload.SamplePath is null ? null : $"/api/samples/{Uri.EscapeDataString(m.Payload.DatasetId)}/{m.Payload.SamplePath}");

    /// <summary>A query photo embedded by the run's model, its face found as the run's ingest found faces (<see cref="FacePolicy.ForQuery"/>).</summary>
    public async Task<float[]> EmbedAsync(string runId, byte[] image, CancellationToken ct)
    {
        while (true)
        {
            var served = await _models.GetAsync(runId);
            int size = served.Value.Model.InputSize;
            var one = new ImageSet(size, await SearchUpload.DecodeAsync(image, size, ct, served.Value.Face), [0], ["query"], ["query"]);
            if (served.TryUse(m => m.Model.Embed(one, ct: ct), out var embedding)) return embedding!;
        }
    }
}

/// <summary>A served model and how a query photo's face is found for it.</summary>
internal sealed record ServedModel(EmbeddingModel Model, IFaceCrop? Face);
