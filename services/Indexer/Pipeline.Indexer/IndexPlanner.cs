using MassTransit;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults;

namespace Pipeline.Indexer;

/// <summary>The final model is trained: one IndexShard per shard of its dataset.</summary>
public sealed class IndexPlanner(ArtifactStore store) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var m = context.Message;
        if (!StageGraph.Feeds(m, Stages.Index)) return;
        var manifest = await store.ReadManifestAsync(m.TrainedOn.DatasetId, context.CancellationToken);
        for (int i = 0; i < manifest.Shards.Count; i++)
            await context.Publish(new IndexShard(m.RunId, m.Plan, m.Model, m.TrainedOn, i, manifest.Shards.Count));
    }
}
