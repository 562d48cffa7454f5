using MassTransit;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;

namespace Pipeline.Trainer;

/// <summary>
/// The run's next training step, decided from the event and the plan it carries: an ingested
/// dataset is trained with K sub-centers (and, when the plan asks, a plain K=1 baseline); a
/// purified one is retrained with K=1; a retrain request starts a new run on an ingested dataset.
/// </summary>
public sealed class StageSequencer(IBlobStore blobs) : IConsumer<DatasetIngested>, IConsumer<DatasetPurified>, IConsumer<RetrainRequested>
{
    public async Task Consume(ConsumeContext<DatasetIngested> context)
    {
        var m = context.Message;
        await StartRun(context, m.RunId, m.Plan, m.Dataset);
    }

    public Task Consume(ConsumeContext<DatasetPurified> context)
    {
        var m = context.Message;
        return context.Publish(new TrainModel(m.RunId, m.Plan, Stages.Final, m.Purified, 1, DateTimeOffset.UtcNow));
    }

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
        await StartRun(context, m.RunId, m.Plan, new DatasetRef(m.DatasetId, manifest));
    }

    private static async Task StartRun(ConsumeContext context, string runId, RunPlan plan, DatasetRef dataset)
    {
        await context.Publish(new TrainModel(runId, plan, Stages.SubCenter, dataset, plan.SubCenters, DateTimeOffset.UtcNow));
        if (plan.Baseline)
            await context.Publish(new TrainModel(runId, plan, Stages.Baseline, dataset, 1, DateTimeOffset.UtcNow));
    }
}
