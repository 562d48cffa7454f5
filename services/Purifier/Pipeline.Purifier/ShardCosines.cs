namespace Pipeline.Purifier;

/// <summary>
/// One shard's scores, datasets/&lt;id&gt;/purified-&lt;run&gt;/cosines/shard-NNNNN.json: each sample's cosine
/// to each of its own class's K sub-centers (N x K), all the decision needs.
/// </summary>
public sealed record ShardCosines(int Shard, int K, IReadOnlyList<string> Paths, IReadOnlyList<int> Labels, float[] Cosines)
{
    public static string PathFor(string datasetId, string runId, int shard) =>
        $"{Prefix(datasetId, runId)}shard-{shard:D5}.json";

    public static string Prefix(string datasetId, string runId) =>
        Pipeline.Infra.Blobs.BlobPaths.PurifiedFolder(datasetId, runId) + "cosines/";
}
