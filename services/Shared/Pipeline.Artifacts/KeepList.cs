using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;

namespace Pipeline.Artifacts;

/// <summary>
/// datasets/&lt;id&gt;/purified-&lt;run&gt;/manifest.json: which samples of the source dataset
/// survived purification. The shards are not rewritten: a purified dataset is the source plus
/// this list, so purifying costs no copy of the images.
/// </summary>
public sealed record KeepList(string DatasetId, string RunId, string Rule, double Threshold, int Kept, int Dropped, IReadOnlyList<string> KeptPaths)
{
    /// <summary>The samples a dataset reference stands for: the whole set, or its keep-list's samples.</summary>
    public static async Task<ImageSet> LoadAsync(ArtifactStore store, DatasetRef dataset, IReadOnlyList<int>? shards = null, CancellationToken ct = default)
    {
        var set = await store.LoadDatasetAsync(dataset.DatasetId, shards, ct);
        if (dataset.ManifestPath == BlobPaths.DatasetManifest(dataset.DatasetId)) return set;
        using var whole = set; // the subset below is a view that keeps the shards mapped
        var keep = await store.GetJsonAsync<KeepList>(BlobContainers.Datasets, dataset.ManifestPath, ct)
            ?? throw new InvalidDataException($"{BlobContainers.Datasets}/{dataset.ManifestPath}: keep-list not found");
        var kept = keep.KeptPaths.ToHashSet(StringComparer.Ordinal);
        var indices = Enumerable.Range(0, set.Count).Where(i => kept.Contains(set.Paths[i])).ToArray();
        return set.Subset(indices, keepIdentities: shards is not null);
    }
}
