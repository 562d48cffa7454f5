using MassTransit;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults;

namespace Pipeline.Purifier;

/// <summary>A sub-center model is trained: one PurifyShard per shard of the dataset it was trained on.</summary>
public sealed class PurificationPlanner(ArtifactStore store) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var m = context.Message;
        if (!StageGraph.Feeds(m, Stages.Purify)) return;
        var manifest = await store.ReadManifestAsync(m.TrainedOn.DatasetId, context.CancellationToken);
        int shards = manifest.Shards.Count;
        for (int i = 0; i < shards; i++)
            await context.Publish(new PurifyShard(m.RunId, m.Plan, m.Model, m.TrainedOn, i, shards));
    }
}
