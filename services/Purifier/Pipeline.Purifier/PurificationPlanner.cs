using MassTransit;
using Pipeline.Artifacts;
using Pipeline.Contracts;

namespace Pipeline.Purifier;

/// <summary>A sub-center model is trained: one PurifyShard per shard of the dataset it was trained on.</summary>
public sealed class PurificationPlanner(ArtifactStore store) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var m = context.Message;
        if (!StageGraph.Feeds(m, Stages.Purify)) return;
        await ShardedStep.ScatterAsync(store, m.TrainedOn.DatasetId, context,
            (shard, shards) => new PurifyShard(m.RunId, m.Plan, m.Model, m.TrainedOn, shard, shards), context.CancellationToken);
    }
}
