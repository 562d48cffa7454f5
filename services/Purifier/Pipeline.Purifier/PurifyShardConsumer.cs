using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Face.Embedding;
using Pipeline.Face.Purification;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Purifier;

/// <summary>
/// Scores one shard with the sub-center model and stores its cosines (and, for the class-center
/// scores, its embeddings). When every shard's scores are in, the instance that wins the claim
/// makes the decisions for the whole dataset (the dominant sub-center is a per-class count over all
/// shards; the class means are sums over all shards, read shard by shard so the decider holds one
/// shard's embeddings at a time), writes the keep-list, the report and the event, publishes DatasetPurified
/// and deletes the embeddings. A redelivered shard whose scores are stored is not scored again; once the
/// event is stored, any redelivery publishes it again (a crash between the decision and its event is repaired).
/// </summary>
public sealed class PurifyShardConsumer(ArtifactStore store, ILogger<PurifyShardConsumer> log) : IConsumer<PurifyShard>
{
    public async Task Consume(ConsumeContext<PurifyShard> context)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        using var span = PipelineTelemetry.StartStage(Stages.Purify, m.RunId, m.Dataset.DatasetId, m.Shard);
        try
        {
            var purified = await Step(m).CompleteShardAsync(store, m.Shard, ShardCosines.PathFor(m.Dataset.DatasetId, m.RunId, m.Shard),
                () => ScoreAsync(m, ct), () => Decide(m, ct), ct);
            if (purified is null) return;
            await context.Publish(purified);
            await DeleteEmbeddingsAsync(m, ct);
        }
        catch (Exception e) { span.Failed(e.Message, e); throw; }
    }

    /// <summary>A run's purification as a sharded step: each shard's cosines, then the decision, stored as the event it published.</summary>
    public static ShardedStep Step(PurifyShard m) =>
        new(Stages.Purify, m.RunId, m.Shards, BlobContainers.Datasets, ShardCosines.Prefix(m.Dataset.DatasetId, m.RunId),
            BlobPaths.PurifiedFolder(m.Dataset.DatasetId, m.RunId) + "_DECIDING", EventPath(m.Dataset.DatasetId, m.RunId));

    /// <summary>The DatasetPurified a decision published, stored so that a redelivery can publish it again.</summary>
    public static string EventPath(string datasetId, string runId) => BlobPaths.PurifiedFolder(datasetId, runId) + "purified.json";

    private async Task ScoreAsync(PurifyShard m, CancellationToken ct)
    {
        var datasetId = m.Dataset.DatasetId;
        var score = DropRule.For(m.Plan).Score;
        using (var model = await store.LoadModelAsync(m.Model, ct))
        {
            using var set = await store.LoadDatasetAsync(datasetId, [m.Shard], ct);
            var embeddings = new Embedder(model).Embed(set, ct: ct);
            using var centers = model.Head.NormalisedSubCenters();
            int dim = model.Info.Backbone.EmbeddingSize;
            var cos = EmbeddingAngles.OwnClassCosines(embeddings, dim, set.Labels,
                centers.contiguous().data<float>().ToArray(), model.Info.SubCenters);
            bool keepEmbeddings = score.NeedsEveryEmbedding;
            if (keepEmbeddings) await ShardCosines.PutEmbeddingsAsync(store.Blobs, datasetId, m.RunId, m.Shard, embeddings, ct);
            await store.PutJsonAsync(BlobContainers.Datasets, ShardCosines.PathFor(datasetId, m.RunId, m.Shard),
                new ShardCosines(m.Shard, model.Info.SubCenters, set.Paths, set.Labels, cos, keepEmbeddings ? dim : 0), ct);
        }
        log.LogInformation("purify {Run}: shard {Shard}/{Shards} scored", m.RunId, m.Shard + 1, m.Shards);
    }

    // The embeddings were only the class means' input (N x 512 floats: 12 GB at MS1M's size); the report keeps every score.
    private async Task DeleteEmbeddingsAsync(PurifyShard m, CancellationToken ct)
    {
        for (int i = 0; i < m.Shards; i++)
            await store.Blobs.DeleteAsync(BlobContainers.Datasets, ShardCosines.EmbeddingsPathFor(m.Dataset.DatasetId, m.RunId, i), ct);
        if (Directory.Exists(EmbeddingsCache(m.RunId))) Directory.Delete(EmbeddingsCache(m.RunId), recursive: true);
    }

    /// <summary>Where the deciding instance keeps the shards' embeddings it downloaded from a remote store, until it has decided.</summary>
    private string EmbeddingsCache(string runId) => Path.Combine(store.WorkRoot, "purify", runId, "embeddings");

    /// <summary>
    /// Every shard's embeddings as the chunks a score reads, one shard in memory at a time (the whitened class margin reads
    /// each five times); from a remote store they are downloaded first, so the scoring itself waits on no I/O.
    /// </summary>
    private async Task<EmbeddingChunks> EmbeddingsAsync(PurifyShard m, IReadOnlyList<ShardCosines> parts, int classes, CancellationToken ct)
    {
        var files = new string[parts.Count];
        for (int i = 0; i < parts.Count; i++)
            files[i] = await parts[i].LocalEmbeddingsAsync(store.Blobs, m.Dataset.DatasetId, m.RunId, EmbeddingsCache(m.RunId), ct);
        return new EmbeddingChunks(parts[0].Dim, classes, parts.Select(p => p.Labels).ToArray(), i => parts[i].ReadEmbeddings(files[i]));
    }

    private async Task<DatasetPurified> Decide(PurifyShard m, CancellationToken ct)
    {
        var datasetId = m.Dataset.DatasetId;
        var manifest = await store.ReadManifestAsync(datasetId, ct);
        var parts = new List<ShardCosines>();
        for (int i = 0; i < m.Shards; i++)
            parts.Add(await store.GetJsonAsync<ShardCosines>(BlobContainers.Datasets, ShardCosines.PathFor(datasetId, m.RunId, i), ct)
                ?? throw new InvalidDataException($"purify {m.RunId}: scores of shard {i} vanished"));
        var rule = DropRule.For(m.Plan);
        var embeddings = rule.Score.NeedsEveryEmbedding ? await EmbeddingsAsync(m, parts, manifest.Identities.Count, ct) : null;
        var input = ScoringInput.Of(parts.SelectMany(p => p.Cosines).ToArray(), parts[0].K, parts.SelectMany(p => p.Labels).ToArray(),
            manifest.Identities, embeddings);
        var report = SubCenterPurifier.Decide(input, parts.SelectMany(p => p.Paths).ToArray(), rule, ct);

        var keep = new KeepList(datasetId, m.RunId, report.Rule, report.Threshold, report.Kept, report.Dropped,
            report.Samples.Where(s => s.Keep).Select(s => s.Path).ToArray());
        var reportPath = BlobPaths.PurifiedReport(datasetId, m.RunId);
        await store.PutJsonAsync(BlobContainers.Datasets, reportPath, report, ct);
        await store.PutJsonAsync(BlobContainers.Datasets, BlobPaths.PurifiedManifest(datasetId, m.RunId), keep, ct);
        PipelineTelemetry.SamplesDropped.Add(report.Dropped, PipelineTelemetry.Tag(PipelineTelemetry.DatasetTag, datasetId));
        log.LogInformation("purify {Run}: kept {Kept}, dropped {Dropped} at {Score} {Threshold:F1} ({Rule})", m.RunId, report.Kept, report.Dropped, report.Score, report.Threshold, report.Rule);
        if (report.Warning is not null) log.LogWarning("purify {Run}: {Warning}", m.RunId, report.Warning);
        return new DatasetPurified(m.RunId, m.Plan, new DatasetRef(datasetId, BlobPaths.PurifiedManifest(datasetId, m.RunId)),
            reportPath, report.Kept, report.Dropped, report.Threshold, DateTimeOffset.UtcNow, ScoreDistributions.Of(report), report.Warning);
    }
}
