using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Training;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Trainer;

/// <summary>
/// One stage of one run: loads its data, trains with checkpoints mirrored to the models container
/// (so another instance can resume it), uploads the model and its metrics, and returns the event
/// to publish: ModelTrained, or StageFailed with a reason a person can act on. A failed upload of the
/// model or its metrics throws (the worker retries the job from its checkpoint); a failed progress
/// publish or checkpoint mirror is logged and training goes on. <see cref="CleanUpAsync"/> removes the
/// checkpoints once the worker has recorded the outcome.
/// </summary>
public sealed class TrainingJob(TrainModel job, ArtifactStore store, IBus bus, ServiceSettings settings, ILogger log)
{
    private string Local => Path.Combine(store.WorkRoot, "jobs", job.RunId, job.Stage);

    /// <param name="yieldNow">asked after each step; true writes a checkpoint there and stops the job with <see cref="TrainingYielded"/></param>
    public async Task<object> RunAsync(CancellationToken ct, Func<bool>? yieldNow = null)
    {
        var options = PlanOptions.For(job, settings.CheckpointEverySteps);
        var checkpointDir = Path.Combine(Local, "checkpoint");
        ImageSet data;
        try
        {
            options.Validate();
            data = await KeepList.LoadAsync(store, job.Dataset, ct: ct);
        }
        // A transient read failure (the store, not the data) goes up to the worker, which retries the job.
        catch (Exception e) when (e is ArgumentException or InvalidDataException || e is IOException && !TrainingWorker.IsInfrastructureFailure(e))
        {
            return Failed($"{job.Dataset.ManifestPath}: {e.Message}");
        }
        using var mapped = data; // unmaps the shards when the job ends

        // A job killed while retrying a divergence resumes at the retry's rate: the one its checkpoint was written with.
        var retry = await store.GetJsonAsync<DivergenceRetry>(BlobContainers.Models, JobPaths.Attempt(job.RunId, job.Stage), ct);
        if (retry is not null) options = options with { LearningRate = retry.LearningRate };

        if (!Directory.Exists(checkpointDir)) // another instance's checkpoint, if any, continues here
            await store.DownloadDirectoryAsync(BlobContainers.Models, JobPaths.Checkpoint(job.RunId, job.Stage), checkpointDir, ct);
        bool resume = new CheckpointStore(checkpointDir).Exists;
        log.LogInformation("training {Run}/{Stage}: {Samples} samples, {Classes} identities, K={K}, {Epochs} epochs{Retry}{Resume}",
            job.RunId, job.Stage, data.Count, data.ClassCount, job.SubCenters, options.Epochs,
            retry is null ? "" : $" (divergence retry {retry.Retry}, lr {retry.LearningRate:G3})", resume ? " (resuming from checkpoint)" : "");

        await using var progress = new ProgressPublisher(bus, log);
        var lastProgress = Stopwatch.StartNew();
        bool started = false; // the first step is announced at once: the ledger times the stage's work from it
        void Progress(TrainingProgress p)
        {
            if (started && lastProgress.Elapsed.TotalSeconds < settings.ProgressIntervalSeconds && p.Step != p.StepsPerEpoch) return;
            started = true;
            lastProgress.Restart();
            if (p.Step == p.StepsPerEpoch) PipelineTelemetry.EpochTrained(job.Stage, p.ImagesPerSecond, p.Loss);
            progress.Post(new TrainingProgressed(job.RunId, job.Plan, job.Stage, p.Epoch, p.Epochs, p.Step, p.Loss, p.Accuracy, p.ImagesPerSecond, DateTimeOffset.UtcNow));
        }
        bool mirrorFailing = false;
        void Mirror()
        {
            // The local checkpoint is whole either way; the mirror only lets another instance take over, so a failed
            // upload waits for the next checkpoint, which uploads the (newer) whole step folder again.
            try
            {
                MirrorCheckpointAsync(checkpointDir, ct).GetAwaiter().GetResult();
                if (mirrorFailing) log.LogInformation("{Run}/{Stage}: checkpoint upload works again", job.RunId, job.Stage);
                mirrorFailing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                mirrorFailing = true;
                log.LogWarning(e, "{Run}/{Stage}: uploading the checkpoint to {Container}/{Prefix} failed; training goes on and the next checkpoint uploads again",
                    job.RunId, job.Stage, BlobContainers.Models, JobPaths.Checkpoint(job.RunId, job.Stage));
            }
            if (yieldNow?.Invoke() == true) throw new TrainingYielded(job.RunId, job.Stage);
        }

        TrainingResult result;
        for (int attempt = retry?.Retry ?? 0; ; attempt++)
        {
            try
            {
                result = await TrainAsync(data, options, checkpointDir, resume, Progress, Mirror, yieldNow, ct);
                break;
            }
            catch (TrainingCollapsedException e) when (attempt < settings.DivergenceRetries)
            {
                double lower = options.EffectiveLearningRate / 2;
                log.LogWarning("{Run}/{Stage} diverged at lr {Lr} ({Reason}); training again from scratch at lr {Lower}",
                    job.RunId, job.Stage, options.EffectiveLearningRate, e.Message, lower);
                options = options with { LearningRate = lower };
                resume = false;
                new CheckpointStore(checkpointDir).Clear();
                await DeleteRemoteCheckpointAsync(ct);
                // After the old checkpoints are gone: a kill before this line retrains at the old rate, and diverges again.
                await store.PutJsonAsync(BlobContainers.Models, JobPaths.Attempt(job.RunId, job.Stage), new DivergenceRetry(attempt + 1, lower, e.Message), ct);
            }
            catch (TrainingCollapsedException e)
            {
                return Failed(attempt == 0 ? e.Message : $"{e.Message} (try {attempt + 1} of {attempt + 1}, at lr {options.EffectiveLearningRate:G3}: each divergence halved it)");
            }
        }

        using (result.Model)
        {
            var finalDir = Path.Combine(Local, "final");
            result.Model.Save(finalDir);
            await store.UploadDirectoryAsync(finalDir, BlobContainers.Models, JobPaths.Final(job.RunId, job.Stage), ct);
        }
        var last = result.History[^1];
        var metrics = new TrainingMetrics(options.Epochs, last.Loss, last.Accuracy, DurationSeconds: result.Elapsed.TotalSeconds);
        await store.PutJsonAsync(BlobContainers.Models, BlobPaths.Metrics(job.RunId, job.Stage),
            new { metrics, options, history = result.History, samples = data.Count, identities = data.ClassCount }, ct);
        log.LogInformation("trained {Run}/{Stage} in {Seconds:F0} s: loss {Loss:F3}, accuracy {Accuracy:P1}", job.RunId, job.Stage, result.Elapsed.TotalSeconds, last.Loss, last.Accuracy);
        return new ModelTrained(job.RunId, job.Plan, job.Stage, new ModelRef(job.RunId, job.Stage, JobPaths.Final(job.RunId, job.Stage)),
            job.Dataset, job.SubCenters, metrics, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Removes the job's checkpoints (local and mirrored) and its divergence retry, once its outcome is recorded:
    /// until then a retried job finds its last checkpoint and does not train again.
    /// </summary>
    public async Task CleanUpAsync(CancellationToken ct)
    {
        await DeleteRemoteCheckpointAsync(ct);
        await store.Blobs.DeleteAsync(BlobContainers.Models, JobPaths.Attempt(job.RunId, job.Stage), ct);
        if (Directory.Exists(Local)) Directory.Delete(Local, recursive: true);
    }

    private async Task<TrainingResult> TrainAsync(ImageSet data, TrainingOptions options, string checkpointDir, bool resume,
        Action<TrainingProgress> progress, Action mirror, Func<bool>? yieldNow, CancellationToken ct)
    {
        // Long-running: a whole training must not hold a pool thread (FaceTrainer trains on a thread of its own).
        Task<TrainingResult> Run(bool fromCheckpoint) => Task.Factory.StartNew(() => FaceTrainer.Train(data, options, checkpointDir, fromCheckpoint, progress,
            trainedOn: job.Dataset.ManifestPath, ct: ct, checkpointSaved: mirror, checkpointWanted: yieldNow), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await Run(resume);
        }
        catch (Exception e) when (resume && e is IOException or InvalidDataException or JsonException)
        {
            // A checkpoint that cannot be read is not worth the job: start it again from scratch.
            log.LogWarning("{Run}/{Stage}: checkpoint unreadable ({Reason}); training from scratch", job.RunId, job.Stage, e.Message);
            new CheckpointStore(checkpointDir).Clear();
            return await Run(false);
        }
    }

    private async Task DeleteRemoteCheckpointAsync(CancellationToken ct)
    {
        foreach (var stale in await store.Blobs.ListAsync(BlobContainers.Models, JobPaths.Checkpoint(job.RunId, job.Stage), ct))
            await store.Blobs.DeleteAsync(BlobContainers.Models, stale.Path, ct);
    }

    /// <summary>
    /// Copies the newest local checkpoint to the bucket: its step folder first, the LATEST pointer
    /// last, then removes older step folders there, so a reader never follows LATEST to a
    /// checkpoint that is not all there (a kill mid-upload leaves the previous one intact).
    /// </summary>
    private async Task MirrorCheckpointAsync(string checkpointDir, CancellationToken ct)
    {
        var prefix = JobPaths.Checkpoint(job.RunId, job.Stage);
        var latest = File.ReadAllText(Path.Combine(checkpointDir, "LATEST")).Trim();
        await store.UploadDirectoryAsync(Path.Combine(checkpointDir, latest), BlobContainers.Models, $"{prefix}{latest}/", ct);
        await store.Blobs.UploadFileAsync(BlobContainers.Models, prefix + "LATEST", Path.Combine(checkpointDir, "LATEST"), ct: ct);
        foreach (var stale in await store.Blobs.ListAsync(BlobContainers.Models, prefix, ct))
            if (!stale.Path.StartsWith($"{prefix}{latest}/") && stale.Path != prefix + "LATEST")
                await store.Blobs.DeleteAsync(BlobContainers.Models, stale.Path, ct);
    }

    private StageFailed Failed(string reason)
    {
        log.LogError("{Run}/{Stage} failed: {Reason}", job.RunId, job.Stage, reason);
        return new StageFailed(job.RunId, job.Plan, job.Stage, reason, DateTimeOffset.UtcNow);
    }
}
