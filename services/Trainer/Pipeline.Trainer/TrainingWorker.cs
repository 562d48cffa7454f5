using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Resilience;
using Pipeline.ServiceDefaults;
using Polly.CircuitBreaker;

namespace Pipeline.Trainer;

/// <summary>
/// Runs accepted jobs one at a time, the most urgent first; a job less urgent than one waiting yields to it after its current
/// step, a checkpoint written there (<see cref="TrainingJobQueue.Urgency"/>: a run's index is not held up by its baseline). Every minute
/// (JobRescanSeconds; and at start) it also looks for jobs in the models container that nobody finished (job.json
/// without trained.json or failed.json): after
/// a crash or restart, whichever instance claims such a job first resumes it from its last
/// uploaded checkpoint. A claim expires unless renewed, so a dead instance's job is taken over.
/// A finished job whose event a crash (or a broker outage) kept from being published is announced
/// by the rescan; a job stopped by an infrastructure failure (blob store, broker) is left open and
/// retried from its checkpoint, never recorded as failed.
/// </summary>
public sealed class TrainingWorker(TrainingJobQueue queue, ArtifactStore store, IBus bus, ServiceSettings settings, ILogger<TrainingWorker> log)
    : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private TimeSpan ClaimTtl => TimeSpan.FromSeconds(settings.TrainingClaimSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rescan = Task.Run(() => RescanLoop(stoppingToken), CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested)
        {
            (TrainModel Job, ActivityContext Trace) next;
            try { next = await queue.DequeueAsync(stoppingToken); }
            catch (OperationCanceledException) { break; }
            using (var span = PipelineTelemetry.StartStage(next.Job.Stage, next.Job.RunId, next.Job.Dataset.DatasetId, parent: next.Trace))
                await RunClaimed(next.Job, span, stoppingToken);
        }
        await rescan;
    }

    private async Task RescanLoop(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                foreach (var entry in await store.Blobs.ListAsync(BlobContainers.Models, "", ct))
                {
                    if (!entry.Path.EndsWith("/job.json")) continue;
                    var folder = entry.Path[..^"job.json".Length];
                    bool finished = await store.Blobs.ExistsAsync(BlobContainers.Models, folder + "trained.json", ct)
                                    || await store.Blobs.ExistsAsync(BlobContainers.Models, folder + "failed.json", ct);
                    if (finished && !await store.Blobs.ExistsAsync(BlobContainers.Models, folder + JobPaths.UnannouncedMarker, ct)) continue;
                    var job = await store.GetJsonAsync<TrainModel>(BlobContainers.Models, entry.Path, ct);
                    if (job is null) continue;
                    var trace = await AcceptedTraceAsync(job, ct);
                    if (!finished) queue.Enqueue(job, trace);
                    else using (PipelineTelemetry.StartStage(job.Stage, job.RunId, job.Dataset.DatasetId, parent: trace))
                        await AnnounceUnannouncedAsync(job, ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "scan for unfinished training jobs failed; trying again later");
            }
            try { await Task.Delay(TimeSpan.FromSeconds(settings.JobRescanSeconds), ct); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>The trace <paramref name="job"/> was accepted in (<see cref="JobPaths.TraceParent"/>), which a rescan continues; none when none was kept.</summary>
    private async Task<ActivityContext> AcceptedTraceAsync(TrainModel job, CancellationToken ct) =>
        await store.Blobs.GetTextAsync(BlobContainers.Models, JobPaths.TraceParent(job.RunId, job.Stage), ct) is { } id
        && ActivityContext.TryParse(id.Trim(), null, out var trace) ? trace : default;

    /// <param name="span">The job's stage span, marked failed when the job fails or is stopped by a failure.</param>
    private async Task RunClaimed(TrainModel job, Activity? span, CancellationToken ct)
    {
        var claimPath = JobPaths.Claim(job.RunId, job.Stage);
        if (await store.Blobs.ExistsAsync(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), ct)) return;
        var claim = await store.Blobs.TryClaimAsync(BlobContainers.Models, claimPath, _owner, ClaimTtl, ct);
        if (claim is null)
        {
            log.LogInformation("{Run}/{Stage} is being trained by another instance", job.RunId, job.Stage);
            return;
        }
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renew = Task.Run(async () =>
        {
            while (!renewal.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(ClaimTtl / 4, renewal.Token);
                    await store.Blobs.TryClaimAsync(BlobContainers.Models, claimPath, _owner, ClaimTtl, renewal.Token);
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e) { log.LogWarning(e, "renewing the claim on {Claim} failed", claimPath); }
            }
        });
        var training = new TrainingJob(job, store, bus, settings, log);
        bool yielded = false;
        try
        {
            var outcome = await training.RunAsync(ct, yieldNow: () => queue.HasMoreUrgentThan(job));
            if (outcome is StageFailed failedRun) span.Failed(failedRun.Reason);
            await RecordAsync(job, outcome, ct);
            await CleanUpAsync(job, training, ct);
            await AnnounceAsync(job, outcome, ct);
        }
        catch (TrainingYielded)
        {
            yielded = true;
            log.LogInformation("{Run}/{Stage} yields to a more urgent job at a checkpoint written after its current step; it is queued again and resumes from there", job.RunId, job.Stage);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            log.LogInformation("{Run}/{Stage} stopped with the service; it resumes from its checkpoint", job.RunId, job.Stage);
        }
        catch (Exception e) when (IsInfrastructureFailure(e))
        {
            span.Failed(e.Message, e);
            // The blob store or the broker failed, not the job: leave it open; the rescan retries it from its checkpoint.
            log.LogWarning(e, "{Run}/{Stage}: stopped by an infrastructure failure; retried from its checkpoint within {Seconds} s",
                job.RunId, job.Stage, settings.JobRescanSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One bad job must not stop the worker: record it as failed (no endless retries) and go on.
            log.LogError(e, "{Run}/{Stage} failed unexpectedly", job.RunId, job.Stage);
            var failed = new StageFailed(job.RunId, job.Plan, job.Stage, $"{e.GetType().Name}: {e.Message}", DateTimeOffset.UtcNow);
            span.Failed(failed.Reason, e);
            try
            {
                await RecordAsync(job, failed, ct);
                await CleanUpAsync(job, training, ct);
                await AnnounceAsync(job, failed, ct);
            }
            catch (Exception report) when (report is not OperationCanceledException)
            {
                log.LogError(report, "{Run}/{Stage}: could not record the failure; the job will be retried", job.RunId, job.Stage);
            }
        }
        finally
        {
            renewal.Cancel();
            await renew;
            await store.Blobs.ReleaseClaimAsync(claim, CancellationToken.None);
        }
        if (yielded) await RequeueAsync(job, ct);
    }

    /// <summary>
    /// Queues a yielded job again through the bus, after its claim is released, so that any instance may resume it and
    /// the ledger shows it waiting; if the broker fails, the rescan finds the open job instead.
    /// </summary>
    private async Task RequeueAsync(TrainModel job, CancellationToken ct)
    {
        try { await bus.Publish(job with { RequestedAt = DateTimeOffset.UtcNow }, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "{Run}/{Stage}: queueing the yielded job again failed; the rescan resumes it within {Seconds} s",
                job.RunId, job.Stage, settings.JobRescanSeconds);
        }
    }

    /// <summary>
    /// Writes the outcome (trained.json or failed.json), marked unannounced first: a crash between the
    /// outcome and its event leaves the marker, and the rescan publishes the event then.
    /// </summary>
    private async Task RecordAsync(TrainModel job, object outcome, CancellationToken ct)
    {
        await store.Blobs.PutTextAsync(BlobContainers.Models, JobPaths.Unannounced(job.RunId, job.Stage), DateTimeOffset.UtcNow.ToString("O"), ct: ct);
        if (outcome is ModelTrained trained) await store.PutJsonAsync(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), trained, ct);
        else if (outcome is StageFailed failed) await store.PutJsonAsync(BlobContainers.Models, JobPaths.Failed(job.RunId, job.Stage), failed, ct);
        else throw new InvalidOperationException($"{job.RunId}/{job.Stage}: unexpected outcome {outcome.GetType().Name}");
    }

    /// <summary>Removes a recorded job's checkpoints and divergence retry; a failure costs space, not the stage, so it is logged.</summary>
    private async Task CleanUpAsync(TrainModel job, TrainingJob training, CancellationToken ct)
    {
        try { await training.CleanUpAsync(ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "{Run}/{Stage}: removing its checkpoints failed; left in place", job.RunId, job.Stage);
        }
    }

    /// <summary>Publishes a recorded outcome, then clears its marker; a failure is logged, and the rescan publishes it again.</summary>
    private async Task AnnounceAsync(TrainModel job, object? outcome, CancellationToken ct)
    {
        if (outcome is null) return;
        try
        {
            await bus.Publish(outcome, outcome.GetType(), ct);
            await store.Blobs.DeleteAsync(BlobContainers.Models, JobPaths.Unannounced(job.RunId, job.Stage), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "{Run}/{Stage}: publishing {Event} failed; the rescan publishes it again within {Seconds} s",
                job.RunId, job.Stage, outcome.GetType().Name, settings.JobRescanSeconds);
        }
    }

    /// <summary>
    /// Publishes the recorded outcome of a job whose event a crash or a broker outage kept back. Under the job's claim
    /// (as another owner than the worker's) so that a job finishing right now, here or elsewhere, is left to its trainer.
    /// </summary>
    private async Task AnnounceUnannouncedAsync(TrainModel job, CancellationToken ct)
    {
        var claim = await store.Blobs.TryClaimAsync(BlobContainers.Models, JobPaths.Claim(job.RunId, job.Stage), _owner + ":announce", ClaimTtl, ct);
        if (claim is null) return;
        try
        {
            log.LogInformation("{Run}/{Stage}: its outcome was recorded but not published; publishing it now", job.RunId, job.Stage);
            await AnnounceAsync(job, await RecordedOutcomeAsync(job, ct), ct);
        }
        finally
        {
            await store.Blobs.ReleaseClaimAsync(claim, CancellationToken.None);
        }
    }

    /// <summary>The recorded outcome of a finished job: its ModelTrained, else its StageFailed.</summary>
    private async Task<object?> RecordedOutcomeAsync(TrainModel job, CancellationToken ct) =>
        (object?)await store.GetJsonAsync<ModelTrained>(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), ct)
        ?? await store.GetJsonAsync<StageFailed>(BlobContainers.Models, JobPaths.Failed(job.RunId, job.Stage), ct);

    /// <summary>A failure of the blob store or the broker rather than of the job: worth retrying the job later.</summary>
    internal static bool IsInfrastructureFailure(Exception e) =>
        TransientFailures.IsTransient(e) || e is BrokenCircuitException || e.InnerException is { } inner && IsInfrastructureFailure(inner);
}
