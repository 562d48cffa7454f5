using MassTransit;
using Pipeline.Artifacts;
using Pipeline.Contracts;

namespace Pipeline.Indexer;

/// <summary>The final model is trained: one IndexShard per shard of its dataset.</summary>
public sealed class IndexPlanner(ArtifactStore store) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var m = context.Message;
        if (!StageGraph.Feeds(m, Stages.Index)) return;
        await ShardedStep.ScatterAsync(store, m.TrainedOn.DatasetId, context,
            (shard, shards) => new IndexShard(m.RunId, m.Plan, m.Model, m.TrainedOn, shard, shards), context.CancellationToken);
    }
}
