using MassTransit;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;

namespace Pipeline.Trainer;

/// <summary>
/// The run's next training steps: a TrainModel for each stage the event feeds (<see cref="StageGraph"/>, which
/// reads the plan it carries): an ingested dataset is trained with K sub-centers (and, when the plan asks, a plain
/// K=1 baseline); a purified one is trained again with K=1; a retrain request starts a new run on an ingested dataset.
/// </summary>
public sealed class StageSequencer(IBlobStore blobs) : IConsumer<DatasetIngested>, IConsumer<DatasetPurified>, IConsumer<RetrainRequested>
{
    public Task Consume(ConsumeContext<DatasetIngested> context) => Train(context, context.Message, context.Message.Dataset);

    public Task Consume(ConsumeContext<DatasetPurified> context) => Train(context, context.Message, context.Message.Purified);

    public async Task Consume(ConsumeContext<RetrainRequested> context)
    {
        var m = context.Message;
        var manifest = BlobPaths.DatasetManifest(m.DatasetId);
        if (!await blobs.ExistsAsync(BlobContainers.Datasets, manifest, context.CancellationToken))
        {
            await context.Publish(new StageFailed(m.RunId, m.Plan, Stages.SubCenter,
                $"retrain {m.RequestId}: dataset '{m.DatasetId}' is not ingested ({BlobContainers.Datasets}/{manifest} not found)", DateTimeOffset.UtcNow));
            return;
        }
        await Train(context, m, new DatasetRef(m.DatasetId, manifest));
    }

    // Only the sub-center stage has K sub-centers; every other stage trains plain ArcFace.
    private static async Task Train(ConsumeContext context, IRunMessage m, DatasetRef dataset)
    {
        foreach (var stage in StageGraph.Fed(m))
            await context.Publish(new TrainModel(m.RunId, m.Plan, stage, dataset, stage == Stages.SubCenter ? m.Plan.SubCenters : 1, DateTimeOffset.UtcNow));
    }
}
