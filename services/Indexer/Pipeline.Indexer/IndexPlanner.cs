using MassTransit;
using Pipeline.Artifacts;
using Pipeline.Contracts;

namespace Pipeline.Indexer;

/// <summary>The final model is trained: one IndexShard per shard of its dataset, each embedding with the run's index model (<see cref="IndexModels"/>).</summary>
public sealed class IndexPlanner(ArtifactStore store) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var m = context.Message;
        if (!StageGraph.Feeds(m, Stages.Index)) return;
        await IndexModels.CopyToRunAsync(store, m.RunId, m.Plan, context.CancellationToken);
        var model = m.Plan.IndexModel is null ? m.Model : IndexModels.For(m.RunId, m.Plan);
        await ShardedStep.ScatterAsync(store, m.TrainedOn.DatasetId, context,
            (shard, shards) => new IndexShard(m.RunId, m.Plan, model, m.TrainedOn, shard, shards), context.CancellationToken);
    }
}
