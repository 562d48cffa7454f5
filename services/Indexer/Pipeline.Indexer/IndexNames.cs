using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// One collection per run's final model (faces-&lt;runId&gt;), so the collection name alone says
/// which model embedded it; per-shard template sums live beside the model.
/// </summary>
public static class IndexNames
{
    public static string Collection(string runId) => CollectionNames.ForModel(runId);

    private const string Prefix = "faces-";

    /// <summary>Whether the collection holds a run's faces (not its identity templates, not someone else's).</summary>
    public static bool IsFaceCollection(string collection) =>
        collection.StartsWith(Prefix, StringComparison.Ordinal) && !collection.EndsWith(IdentityTemplates.Suffix, StringComparison.Ordinal);

    public static ModelRef ModelOf(string collection)
    {
        if (!IsFaceCollection(collection)) throw new ArgumentException($"{collection}: not a face collection of this pipeline");
        var run = collection[Prefix.Length..];
        return new ModelRef(run, Stages.Final, BlobPaths.TrainedModel(run, Stages.Final));
    }

    public static string ShardSumsPrefix(string runId) => BlobPaths.ModelFolder(runId, Stages.Final) + "index/";
    public static string ShardSums(string runId, int shard) => $"{ShardSumsPrefix(runId)}shard-{shard:D5}.json";
    public static string PublishClaim(string runId) => BlobPaths.ModelFolder(runId, Stages.Final) + "_PUBLISHING";
    public static string Published(string runId) => BlobPaths.ModelFolder(runId, Stages.Final) + "published.json";
    /// <summary>The alias's last switch by hand (a rollback or PUT): "_" keeps it apart from runs' folders, whose names start with a letter or digit.</summary>
    public static string AliasSwitch(string alias) => $"_aliases/{alias}.json";
}

/// <summary>A shard's contribution to the identity templates: per identity, the sum of unit embeddings and their count.</summary>
public sealed record ShardTemplateSums(int Shard, int Points, Dictionary<string, float[]> Sums, Dictionary<string, int> Counts);
