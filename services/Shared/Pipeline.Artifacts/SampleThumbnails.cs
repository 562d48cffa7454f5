using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.VectorIndex;

namespace Pipeline.Artifacts;

/// <summary>
/// A packed sample as PNG, by dataset and sample path, for thumbnails (the search API's hits, the dashboard's
/// galleries). The last few datasets used stay mapped (<see cref="DatasetsKept"/>) with where each path sits in
/// them; an older one is released once no request is using it.
/// </summary>
public sealed class SampleThumbnails
{
    public const int DatasetsKept = 2;

    private readonly ArtifactStore _store;
    private readonly BoundedCache<Loaded<(ImageSet Set, Dictionary<string, int> At)>> _datasets;

    public SampleThumbnails(ArtifactStore store)
    {
        _store = store;
        _datasets = new(DatasetsKept, async d =>
        {
            var loaded = await store.LoadDatasetAsync(d, ct: CancellationToken.None);
            var at = new Dictionary<string, int>(loaded.Count, StringComparer.Ordinal);
            for (int k = 0; k < loaded.Count; k++) at.TryAdd(loaded.Paths[k], k);
            return new Loaded<(ImageSet, Dictionary<string, int>)>((loaded, at), v => v.Item1.Dispose());
        }, d => d.Retire());
    }

    /// <summary>How many datasets are mapped now (at most <see cref="DatasetsKept"/>).</summary>
    public int LoadedCount => _datasets.Count;

    /// <summary>The sample at <paramref name="path"/> as PNG; null when the dataset or the path is not there.</summary>
    public async Task<byte[]?> PngAsync(string datasetId, string path, CancellationToken ct)
    {
        CollectionNames.Validate(datasetId, "dataset");
        // Checked first so that a made-up name loads nothing and is kept nowhere.
        if (!await _store.Blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId), ct)) return null;
        while (true)
        {
            var dataset = await _datasets.GetAsync(datasetId);
            if (dataset.TryUse(d => d.At.TryGetValue(path, out var i) ? RgbPng.Encode(d.Set.Image(i), d.Set.Size, d.Set.Size) : null, out var png))
                return png;
        }
    }
}
