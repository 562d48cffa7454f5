using System.Text.Json;
using MassTransit;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Training;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The Trainer service under infrastructure faults, on real components: its module on the in-memory bus, a local
/// blob store wrapped to fail writes, publish observers that break the broker, and real training on a tiny set.
/// A transient fault never turns into a failed stage, and no outcome is left unpublished.
/// </summary>
public sealed class TrainerFaultTests : IAsyncLifetime
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-trainer-").FullName;
    private readonly List<TrainerHost> _hosts = [];

    private async Task<TrainerHost> Start(Action<FaultyBlobStore>? faults = null, int divergenceRetries = 2)
    {
        var host = await TrainerHost.StartAsync(_tmp, faults, divergenceRetries);
        _hosts.Add(host);
        return host;
    }

    private Task<bool> Exists(TrainerHost host, string path) => host.Blobs.ExistsAsync(BlobContainers.Models, path);

    [Fact]
    public async Task Progress_publishes_that_fail_or_hang_neither_fail_nor_hold_the_stage()
    {
        var host = await Start();
        var broker = new FaultyProgressPublishes();
        using var _ = host.Bus.ConnectPublishObserver(broker);
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-progress", dataset));

        var trained = await host.Outcomes.TrainedAsync();
        Assert.Equal("r-progress", trained.RunId);
        Assert.True(broker.Seen >= 2, $"training should have tried to publish progress more than once (saw {broker.Seen})");
        Assert.False(await Exists(host, JobPaths.Failed("r-progress", Stages.Baseline)));
        broker.Release();
    }

    [Fact]
    public async Task Failed_checkpoint_uploads_are_retried_at_the_next_checkpoint_and_do_not_fail_the_stage()
    {
        var host = await Start(f => (f.FailWritesContaining, f.FailuresLeft) = ("/checkpoint/", 3));
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-mirror", dataset));

        var trained = await host.Outcomes.TrainedAsync();
        Assert.Equal("r-mirror", trained.RunId);
        Assert.Equal(3, host.Blobs.Failed);
        // Later checkpoints did reach the store (then were removed with the finished job).
        Assert.Contains(host.Blobs.Written.Keys, p => p.StartsWith(JobPaths.Checkpoint("r-mirror", Stages.Baseline)) && p.EndsWith("LATEST"));
        Assert.False(await Exists(host, JobPaths.Failed("r-mirror", Stages.Baseline)));
        Assert.Empty(await host.Blobs.ListAsync(BlobContainers.Models, JobPaths.Checkpoint("r-mirror", Stages.Baseline)));
    }

    [Theory]
    [InlineData("/final/")]        // the model
    [InlineData("/metrics.json")]  // its metrics
    public async Task A_failed_model_upload_leaves_the_job_open_and_the_retry_trains_it(string failing)
    {
        var host = await Start(f => (f.FailWritesContaining, f.FailuresLeft) = (failing, 1));
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-upload", dataset));

        var trained = await host.Outcomes.TrainedAsync();
        Assert.Equal(1, host.Blobs.Failed);
        Assert.False(await Exists(host, JobPaths.Failed("r-upload", Stages.Baseline)), "a transient upload failure must not record the stage as failed");
        Assert.True(await Exists(host, JobPaths.Trained("r-upload", Stages.Baseline)));
        Assert.NotEmpty(await host.Blobs.ListAsync(BlobContainers.Models, trained.Model.Path));
    }

    [Fact]
    public async Task A_failed_dataset_download_leaves_the_job_open_and_the_retry_trains_it()
    {
        var host = await Start(f => (f.Remote, f.FailReadsContaining, f.ReadFailuresLeft) = (true, "ds/", 1));
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-download", dataset));

        await host.Outcomes.TrainedAsync();
        Assert.Equal(1, host.Blobs.Failed);
        Assert.False(await Exists(host, JobPaths.Failed("r-download", Stages.Baseline)), "a transient read failure must not record the stage as failed");
    }

    [Fact]
    public async Task An_outcome_recorded_but_not_published_before_a_crash_is_published_by_the_rescan()
    {
        var host = await Start();
        var dataset = new DatasetRef("ds", BlobPaths.DatasetManifest("ds"));
        var job = TrainerHost.Job("r-crash", dataset);
        var recorded = new ModelTrained(job.RunId, job.Plan, job.Stage, new ModelRef(job.RunId, job.Stage, JobPaths.Final(job.RunId, job.Stage)),
            dataset, 1, new TrainingMetrics(2, 0.5, 0.9), DateTimeOffset.UtcNow);
        // What a trainer killed between writing trained.json and publishing it leaves behind (job.json last: the rescan keys on it).
        await host.Blobs.PutTextAsync(BlobContainers.Models, JobPaths.Unannounced(job.RunId, job.Stage), "2026-01-01T00:00:00Z");
        await host.Store.PutJsonAsync(BlobContainers.Models, JobPaths.Trained(job.RunId, job.Stage), recorded, default);
        await host.Store.PutJsonAsync(BlobContainers.Models, JobPaths.Job(job.RunId, job.Stage), job, default);

        var trained = await host.Outcomes.TrainedAsync(minutes: 1);

        Assert.Equal(recorded, trained);
        for (var until = DateTime.UtcNow.AddSeconds(30); await Exists(host, JobPaths.Unannounced(job.RunId, job.Stage)) && DateTime.UtcNow < until;)
            await Task.Delay(100);
        Assert.False(await Exists(host, JobPaths.Unannounced(job.RunId, job.Stage)));
    }

    [Fact]
    public async Task A_publish_of_the_outcome_that_fails_is_repeated_by_the_rescan()
    {
        var host = await Start();
        var broker = new FailFirstModelTrained();
        using var _ = host.Bus.ConnectPublishObserver(broker);
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-announce", dataset));

        var trained = await host.Outcomes.TrainedAsync();
        Assert.Equal("r-announce", trained.RunId);
        Assert.Equal(2, broker.Seen);
        Assert.False(await Exists(host, JobPaths.Failed("r-announce", Stages.Baseline)));
    }

    [Fact]
    public async Task A_divergence_retry_killed_midway_resumes_at_its_halved_rate()
    {
        var host = await Start();
        var (dataset, packed) = await host.UploadDatasetAsync(_tmp);
        var job = TrainerHost.Job("r-retry", dataset, learningRate: 0.1);
        var settings = (ServiceSettings)host.Services.GetService(typeof(ServiceSettings))!;

        // The state a kill during the retry leaves: its rate in attempt.json, and a checkpoint after its first epoch written at that rate.
        var halved = PlanOptions.For(job, settings.CheckpointEverySteps) with { LearningRate = 0.05 };
        var checkpoint = Path.Combine(_tmp, "killed", "checkpoint");
        using (var set = DatasetLoader.Load(packed))
        using (var firstEpoch = FaceTrainer.Train(set, halved with { Epochs = 1 }, checkpoint, trainedOn: dataset.ManifestPath).Model) { }
        foreach (var f in Directory.EnumerateFiles(checkpoint, "*", SearchOption.AllDirectories))
            await host.Blobs.UploadFileAsync(BlobContainers.Models, JobPaths.Checkpoint(job.RunId, job.Stage) + Path.GetRelativePath(checkpoint, f), f);
        var killedAt = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Directory.GetFiles(checkpoint, "state.json", SearchOption.AllDirectories).Single()),
            PipelineJson.Options)!;
        await host.Store.PutJsonAsync(BlobContainers.Models, JobPaths.Attempt(job.RunId, job.Stage), new DivergenceRetry(1, 0.05, "epoch 3: collapsed"), default);
        await host.Store.PutJsonAsync(BlobContainers.Models, JobPaths.Job(job.RunId, job.Stage), job, default);

        var trained = await host.Outcomes.TrainedAsync();

        Assert.Equal("r-retry", trained.RunId);
        using var metrics = JsonDocument.Parse(host.Blobs.Written[BlobPaths.Metrics(job.RunId, job.Stage)]);
        Assert.Equal(0.05, metrics.RootElement.GetProperty("options").GetProperty("learningRate").GetDouble());
        var history = metrics.RootElement.GetProperty("history");
        Assert.Equal(2, history.GetArrayLength());
        // Resumed, not restarted: the first epoch is the one the killed retry trained.
        Assert.Equal(killedAt.History[0].Loss, history[0].GetProperty("loss").GetDouble());
        Assert.False(await Exists(host, JobPaths.Attempt(job.RunId, job.Stage)), "the retry is over once the stage is recorded");
    }

    [Fact]
    public async Task A_diverging_job_keeps_its_halved_rate_in_attempt_json_while_it_trains_again()
    {
        var host = await Start(divergenceRetries: 1);
        var (dataset, _) = await host.UploadDatasetAsync(_tmp);

        await host.Bus.Publish(TrainerHost.Job("r-diverge", dataset, learningRate: 1e6));

        var outcome = await host.Outcomes.NextAsync();
        var failed = Assert.IsType<StageFailed>(outcome);
        Assert.Contains("try 2 of 2", failed.Reason);
        var attempt = JsonSerializer.Deserialize<DivergenceRetry>(host.Blobs.Written[JobPaths.Attempt("r-diverge", Stages.Baseline)], PipelineJson.Options)!;
        Assert.Equal((1, 5e5), (attempt.Retry, attempt.LearningRate));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) await host.DisposeAsync();
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    /// <summary>The broker refuses the first ModelTrained, as during an outage, and takes the next.</summary>
    private sealed class FailFirstModelTrained : IPublishObserver
    {
        private int _seen;
        public int Seen => Volatile.Read(ref _seen);

        public Task PrePublish<T>(PublishContext<T> context) where T : class =>
            context.Message is ModelTrained && Interlocked.Increment(ref _seen) == 1
                ? throw new InvalidOperationException("injected: the broker refused ModelTrained")
                : Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;
        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
