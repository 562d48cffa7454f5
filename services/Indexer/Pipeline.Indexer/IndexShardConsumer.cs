using System.Numerics.Tensors;
using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// Embeds one shard's kept samples with the run's index model (<see cref="IndexModels"/>) and upserts them (ids are
/// dataset/path, so a redelivery overwrites the same points). When every shard is in, the
/// instance that wins the claim publishes the identity templates and only then, if the
/// <see cref="PublishGate"/> passes, switches the alias to the new collection: search never sees a
/// half-built or degenerate model. The outcome is stored before it is published, so any redelivery
/// publishes it again (a crash between the two is repaired).
/// </summary>
public sealed class IndexShardConsumer(ArtifactStore store, IVectorIndex index, ILogger<IndexShardConsumer> log) : IConsumer<IndexShard>
{
    public async Task Consume(ConsumeContext<IndexShard> context)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        using var span = PipelineTelemetry.StartStage(Stages.Index, m.RunId, m.Dataset.DatasetId, m.Shard);
        try
        {
            var published = await Step(m).CompleteShardAsync(store, m.Shard, IndexNames.ShardSums(m.RunId, m.Shard),
                () => IndexAsync(m, ct), () => Publish(m, IndexNames.Collection(m.RunId), ct), ct);
            if (published is not null) await context.Publish(published);
        }
        catch (Exception e) { span.Failed(e.Message, e); throw; }
    }

    /// <summary>A run's index as a sharded step: each shard's template sums, then the templates and the alias, stored as the event published.</summary>
    public static ShardedStep Step(IndexShard m) =>
        new(Stages.Index, m.RunId, m.Shards, BlobContainers.Models, IndexNames.ShardSumsPrefix(m.RunId), IndexNames.PublishClaim(m.RunId),
            IndexNames.Published(m.RunId));

    private async Task IndexAsync(IndexShard m, CancellationToken ct)
    {
        var collection = IndexNames.Collection(m.RunId);
        using var set = await KeepList.LoadAsync(store, m.Dataset, [m.Shard], ct);
        var sums = new Dictionary<string, float[]>();
        var counts = new Dictionary<string, int>();
        using (var model = await IndexModels.OpenAsync(store, m.Model, ct))
        {
            int dim = model.Dimension;
            var quantization = m.Plan.IndexQuantization == IndexQuantizations.Int8 ? VectorQuantization.Int8 : VectorQuantization.None;
            await index.CreateCollectionAsync(collection, dim, quantization, ct);
            var embeddings = model.Embed(set, ct: ct);
            var points = new List<FacePoint>(set.Count);
            for (int i = 0; i < set.Count; i++)
            {
                var v = embeddings.AsSpan(i * dim, dim).ToArray();
                var identity = set.Identities[set.Labels[i]];
                points.Add(new FacePoint($"{m.Dataset.DatasetId}/{set.Paths[i]}", v, new FacePayload(identity, m.Dataset.DatasetId, m.RunId, set.Paths[i])));
                if (!sums.TryGetValue(identity, out var sum)) { sums[identity] = sum = new float[dim]; counts[identity] = 0; }
                TensorPrimitives.Add(sum, v, sum);
                counts[identity]++;
            }
            for (int start = 0; start < points.Count; start += 512)
                await index.UpsertAsync(collection, points.GetRange(start, Math.Min(512, points.Count - start)), ct);
        }
        await store.PutJsonAsync(BlobContainers.Models, IndexNames.ShardSums(m.RunId, m.Shard), new ShardTemplateSums(m.Shard, set.Count, sums, counts), ct);
        log.LogInformation("index {Run}: shard {Shard}/{Shards}, {Points} points", m.RunId, m.Shard + 1, m.Shards, set.Count);
    }

    private async Task<IndexPublished> Publish(IndexShard m, string collection, CancellationToken ct)
    {
        var total = new Dictionary<string, float[]>();
        int points = 0;
        for (int i = 0; i < m.Shards; i++)
        {
            var part = await store.GetJsonAsync<ShardTemplateSums>(BlobContainers.Models, IndexNames.ShardSums(m.RunId, i), ct)
                ?? throw new InvalidDataException($"index {m.RunId}: template sums of shard {i} vanished");
            points += part.Points;
            foreach (var (identity, sum) in part.Sums)
            {
                if (!total.TryGetValue(identity, out var t)) total[identity] = t = new float[sum.Length];
                TensorPrimitives.Add(t, sum, t);
            }
        }
        var templates = total.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new FacePoint(kv.Key, kv.Value, new FacePayload(kv.Key, m.Dataset.DatasetId, m.RunId, "template"))).ToList();
        if (templates.Count > 0)
        {
            var templateCollection = IdentityTemplates.CollectionFor(collection);
            await index.CreateCollectionAsync(templateCollection, templates[0].Vector.Length, ct);
            await index.UpsertAsync(templateCollection, templates, ct);
        }
        PipelineTelemetry.IndexSize.Record(points, PipelineTelemetry.Tag("pipeline.alias", m.Plan.IndexAlias));
        if (PublishGate.Problem(templates) is { } problem)
        {
            log.LogWarning("index {Run}: {Collection} not published, alias {Alias} unchanged: {Problem}", m.RunId, collection, m.Plan.IndexAlias, problem);
            return new IndexPublished(m.RunId, m.Plan, m.Model, collection, m.Plan.IndexAlias, points, DateTimeOffset.UtcNow, problem);
        }
        await index.SetAliasAsync(m.Plan.IndexAlias, collection, ct);
        log.LogInformation("index {Run}: {Points} points and {Templates} identity templates in {Collection}; alias {Alias} switched",
            m.RunId, points, templates.Count, collection, m.Plan.IndexAlias);
        return new IndexPublished(m.RunId, m.Plan, m.Model, collection, m.Plan.IndexAlias, points, DateTimeOffset.UtcNow);
    }
}
