using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;

namespace Pipeline.Trainer;

/// <summary>
/// Accepts a TrainModel in milliseconds: the job is written to models/&lt;run&gt;/&lt;stage&gt;/job.json
/// (durable, so any instance can resume it after a crash, in the same trace: <see cref="JobPaths.TraceParent"/>) and queued for this instance's worker.
/// The delivery is never held for the hours a training can take. A command for a finished job
/// re-publishes its ModelTrained instead of training again.
/// </summary>
public sealed class TrainModelConsumer(ArtifactStore store, TrainingJobQueue queue, ILogger<TrainModelConsumer> log) : IConsumer<TrainModel>
{
    public async Task Consume(ConsumeContext<TrainModel> context)
    {
        var job = context.Message;
        var ct = context.CancellationToken;
        var trained = await store.GetJsonAsync<ModelTrained>(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), ct);
        if (trained is not null)
        {
            log.LogInformation("{Run}/{Stage} is already trained; re-publishing ModelTrained", job.RunId, job.Stage);
            await context.Publish(trained);
            return;
        }
        // Before job.json: a rescan that finds the job finds its trace.
        if (Activity.Current?.Id is { } traceParent)
            await store.Blobs.PutTextAsync(BlobContainers.Models, JobPaths.TraceParent(job.RunId, job.Stage), traceParent, ct: ct);
        await store.PutJsonAsync(BlobContainers.Models, JobPaths.Job(job.RunId, job.Stage), job, ct);
        await store.PutJsonAsync(BlobContainers.Models, BlobPaths.RunPlan(job.RunId), job.Plan, ct);
        if (queue.Enqueue(job)) log.LogInformation("accepted {Run}/{Stage} (K={K}) on {Dataset}", job.RunId, job.Stage, job.SubCenters, job.Dataset.ManifestPath);
    }
}
