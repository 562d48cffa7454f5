using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Trainer;

/// <summary>
/// Runs accepted jobs one at a time. Every minute (JobRescanSeconds; and at start) it also looks for jobs in the
/// models container that nobody finished (job.json without trained.json or failed.json): after
/// a crash or restart, whichever instance claims such a job first resumes it from its last
/// uploaded checkpoint. A claim expires unless renewed, so a dead instance's job is taken over.
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
            TrainModel job;
            try { job = await queue.DequeueAsync(stoppingToken); }
            catch (OperationCanceledException) { break; }
            await RunClaimed(job, stoppingToken);
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
                    if (await store.Blobs.ExistsAsync(BlobContainers.Models, folder + "trained.json", ct)
                        || await store.Blobs.ExistsAsync(BlobContainers.Models, folder + "failed.json", ct)) continue;
                    var job = await store.GetJsonAsync<TrainModel>(BlobContainers.Models, entry.Path, ct);
                    if (job is not null) queue.Enqueue(job);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "scan for unfinished training jobs failed; trying again later");
            }
            try { await Task.Delay(TimeSpan.FromSeconds(settings.JobRescanSeconds), ct); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task RunClaimed(TrainModel job, CancellationToken ct)
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
        try
        {
            var outcome = await new TrainingJob(job, store, bus, settings, log).RunAsync(ct);
            if (outcome is ModelTrained trained)
            {
                await store.PutJsonAsync(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), trained, ct);
                await bus.Publish(trained, ct);
            }
            else if (outcome is StageFailed failed)
            {
                await store.PutJsonAsync(BlobContainers.Models, JobPaths.Failed(job.RunId, job.Stage), failed, ct);
                await bus.Publish(failed, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            log.LogInformation("{Run}/{Stage} stopped with the service; it resumes from its checkpoint", job.RunId, job.Stage);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One bad job must not stop the worker: record it as failed (no endless retries) and go on.
            log.LogError(e, "{Run}/{Stage} failed unexpectedly", job.RunId, job.Stage);
            var failed = new StageFailed(job.RunId, job.Plan, job.Stage, $"{e.GetType().Name}: {e.Message}", DateTimeOffset.UtcNow);
            try
            {
                await store.PutJsonAsync(BlobContainers.Models, JobPaths.Failed(job.RunId, job.Stage), failed, ct);
                await bus.Publish(failed, ct);
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
    }
}
