using System.Collections.Concurrent;
using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
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
/// Face search over the index: an image is embedded by the very model whose collection is
/// searched (resolved from the alias at request time), so query and gallery never come from
/// different models. Models and sample images are cached per run and per dataset.
/// </summary>
public sealed class FaceSearch(IVectorIndex index, ArtifactStore store)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<FaceModel>>> _models = new();
    // Thumbnails: each dataset's shards, mapped once, and where each sample path sits in them.
    private readonly ConcurrentDictionary<string, Lazy<Task<(ImageSet Set, Dictionary<string, int> At)>>> _datasets = new();

    public async Task<string> ResolveAsync(string? run, string? alias, CancellationToken ct)
    {
        if (run is not null)
        {
            var name = IndexNames.Collection(run);
            if (!(await index.ListCollectionsAsync(ct)).Contains(name)) throw new SearchInputException($"run '{run}' has no index");
            return name;
        }
        var a = alias ?? CollectionNames.ServingAlias;
        return await index.ResolveAsync(a, ct) ?? throw new SearchInputException($"alias '{a}' does not exist yet: no model has been published");
    }

    public async Task<SearchResult> SearchAsync(SearchQuery q, CancellationToken ct)
    {
        if (q.Top is < 1 or > 1000) throw new SearchInputException($"top must be 1..1000 (got {q.Top})");
        var collection = await ResolveAsync(q.Run, q.Alias, ct);
        var model = IndexNames.ModelOf(collection);
        float[] vector = q.Vector ?? (q.Image is not null ? await EmbedAsync(model.RunId, q.Image, ct)
            : throw new SearchInputException("give an image (multipart field 'image') or a vector"));
        var filter = new FaceFilter(q.Identity, q.DatasetId);
        var found = await index.SearchAsync(collection, [vector], q.Top, filter.IsEmpty ? null : filter, ct);
        return new SearchResult(collection, model.RunId, found[0].Select(Hit).ToList());
    }

    public static SearchHit Hit(FaceMatch m) => new(m.Id, m.Payload.Identity, Math.Round(m.Score, 6), m.Payload.DatasetId, m.Payload.SamplePath,
        m.Payload.SamplePath is null ? null : $"/api/samples/{Uri.EscapeDataString(m.Payload.DatasetId)}/{m.Payload.SamplePath}");

    public async Task<float[]> EmbedAsync(string runId, byte[] image, CancellationToken ct)
    {
        var model = await _models.GetOrAdd(runId, r => new Lazy<Task<FaceModel>>(() =>
            store.LoadModelAsync(IndexNames.ModelOf(IndexNames.Collection(r)), CancellationToken.None))).Value;
        int size = model.Info.Backbone.InputSize;
        var decoded = new Pipeline.Datasets.ImageValidator(new ValidationOptions { ImageSize = size, MinSize = 16 }).Validate(image);
        if (decoded.Pixels is null) throw new SearchInputException($"image: {decoded.Reason}");
        var one = new ImageSet(size, decoded.Pixels, [0], ["query"], ["query"]);
        lock (model) return new Embedder(model).Embed(one, ct: ct);
    }

    /// <summary>A packed sample as PNG, for thumbnails.</summary>
    public async Task<byte[]?> SamplePngAsync(string datasetId, string path, CancellationToken ct)
    {
        var (set, at) = await _datasets.GetOrAdd(datasetId, d => new Lazy<Task<(ImageSet, Dictionary<string, int>)>>(async () =>
        {
            var loaded = await store.LoadDatasetAsync(d, ct: CancellationToken.None);
            var index = new Dictionary<string, int>(loaded.Count, StringComparer.Ordinal);
            for (int k = 0; k < loaded.Count; k++) index.TryAdd(loaded.Paths[k], k);
            return (loaded, index);
        })).Value;
        return at.TryGetValue(path, out var i) ? RgbPng.Encode(set.Image(i), set.Size, set.Size) : null;
    }
}
