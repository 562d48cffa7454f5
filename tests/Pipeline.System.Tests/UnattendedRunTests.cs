using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Training;
using Pipeline.Indexer;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Ledger;
using Pipeline.Purifier;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.SystemTests;

/// <summary>
/// The services' deciding steps under faults, on the real local blob store, in-memory bus, embedded index and ledger:
/// a decider that fails after taking its claim, a crash between a stored outcome and its event, a degenerate model,
/// a run that stops hearing from its services.
/// </summary>
public sealed class UnattendedRunTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-unattended-").FullName;

    private async Task<WebApplication> StartAsync(params ServiceModule[] modules)
    {
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(_tmp, ("Pipeline:ResumeAtStart", "false"))),
            [new FaultInjectionModule(), .. modules]);
        await app.StartAsync();
        return app;
    }

    /// <summary>A synthetic set packed into the datasets container, and a model trained on it in the models container.</summary>
    private async Task<(DatasetRef Data, ModelRef Model)> TrainedAsync(IBlobStore blobs, string runId, string stage, int identities, int k, int shardSize)
    {
        var synth = Path.Combine(_tmp, "synth-" + runId);
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = Math.Max(2, identities), PerIdentity = 10, ClosedNoise = 0.2, HoldoutIdentities = 0, Seed = 5 })
            .Generate(synth, null, default);
        foreach (var extra in Directory.GetDirectories(Path.Combine(synth, "train")).Order().Skip(identities)) Directory.Delete(extra, true);
        var datasetId = "ds-" + runId;
        var packed = Path.Combine(_tmp, "packed-" + runId);
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(synth, "train")), new PackOptions { DatasetId = datasetId, ImageSize = 64, ShardSize = shardSize },
            DatasetFiles.WriterFor(packed));
        foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
            await blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{Path.GetFileName(f)}", f);
        using var model = FaceTrainer.Train(DatasetLoader.Load(packed), new TrainingOptions { SubCenters = k, Epochs = 1, BatchSize = 16, Device = "cpu" }).Model;
        var modelDir = Path.Combine(_tmp, "model-" + runId);
        model.Save(modelDir);
        var folder = BlobPaths.ModelFolder(runId, stage) + "final/";
        foreach (var f in Directory.GetFiles(modelDir)) await blobs.UploadFileAsync(BlobContainers.Models, folder + Path.GetFileName(f), f);
        return (new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)), new ModelRef(runId, stage, folder));
    }

    [Fact]
    public async Task A_purifier_whose_decision_fails_once_after_its_claim_decides_on_the_retry()
    {
        await using var app = await StartAsync(new PurifierModule());
        var flaky = app.Services.GetRequiredService<FlakyBlobStore>();
        const string runId = "r-decide-once";
        var (data, model) = await TrainedAsync(flaky, runId, Stages.SubCenter, identities: 6, k: 3, shardSize: 20);
        flaky.FailFirstWriteOf("/report.json");

        await app.Services.GetRequiredService<IBus>().Publish(new ModelTrained(runId, RunPlan.Default, Stages.SubCenter, model, data, 3,
            new TrainingMetrics(1, 0, 0), DateTimeOffset.UtcNow));

        var purified = await app.Services.GetRequiredService<Collected>().WaitForAsync<DatasetPurified>(p => p.RunId == runId, TimeSpan.FromMinutes(2));
        Assert.Single(flaky.Failed); // the decider's first write did fail, after it had claimed the decision
        Assert.Equal(60, purified.Kept + purified.Dropped);
        Assert.True(await flaky.ExistsAsync(BlobContainers.Datasets, BlobPaths.PurifiedReport(data.DatasetId, runId)));
    }

    [Fact]
    public async Task A_crash_between_a_stored_outcome_and_its_event_is_repaired_by_a_redelivery()
    {
        await using var app = await StartAsync(new PurifierModule(), new IndexerModule());
        var blobs = app.Services.GetRequiredService<IBlobStore>();
        var store = app.Services.GetRequiredService<ArtifactStore>();
        var bus = app.Services.GetRequiredService<IBus>();
        var collected = app.Services.GetRequiredService<Collected>();
        const string runId = "r-crashed";
        var data = new DatasetRef("ds", BlobPaths.DatasetManifest("ds"));
        var model = new ModelRef(runId, Stages.SubCenter, "x/");

        // The decisions and the index were stored, then the process died before it published them.
        var decided = new DatasetPurified(runId, RunPlan.Default, new DatasetRef("ds", BlobPaths.PurifiedManifest("ds", runId)), "r.json", 9, 1, 80, DateTimeOffset.UtcNow);
        await store.PutJsonAsync(BlobContainers.Datasets, PurifyShardConsumer.EventPath("ds", runId), decided, default);
        var indexed = new IndexPublished(runId, RunPlan.Default, model, "faces-" + runId, "faces", 10, DateTimeOffset.UtcNow);
        await store.PutJsonAsync(BlobContainers.Models, IndexNames.Published(runId), indexed, default);

        await bus.Publish(new PurifyShard(runId, RunPlan.Default, model, data, 0, 2));
        await bus.Publish(new IndexShard(runId, RunPlan.Default, model, data, 1, 2));

        Assert.Equal(decided, await collected.WaitForAsync<DatasetPurified>(p => p.RunId == runId, TimeSpan.FromSeconds(20)));
        Assert.Equal(indexed, await collected.WaitForAsync<IndexPublished>(p => p.RunId == runId, TimeSpan.FromSeconds(20)));
        Assert.False(await blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest("ds")), "nothing was redone: there is no data");
    }

    [Fact]
    public async Task A_one_identity_run_completes_not_published_and_the_alias_keeps_serving_the_previous_model()
    {
        await using var app = await StartAsync(new IndexerModule());
        var index = app.Services.GetRequiredService<IVectorIndex>();
        await index.CreateCollectionAsync("faces-previous", 512);
        await index.SetAliasAsync("faces", "faces-previous");
        const string runId = "r-one";
        var (data, model) = await TrainedAsync(app.Services.GetRequiredService<IBlobStore>(), runId, Stages.Final, identities: 1, k: 1, shardSize: 100);

        await app.Services.GetRequiredService<IBus>().Publish(new IndexShard(runId, RunPlan.Default, model, data, 0, 1));

        var outcome = await app.Services.GetRequiredService<Collected>().WaitForAsync<IndexPublished>(p => p.RunId == runId, TimeSpan.FromMinutes(1));
        Assert.Contains("1 identity indexed; search needs at least 2", outcome.NotPublished);
        Assert.Equal("faces-previous", await index.ResolveAsync("faces"));
        Assert.Equal(10, await index.CountAsync("faces-" + runId)); // built, kept for a look, not served
    }

    [Fact]
    public void The_publish_gate_passes_distinct_identities_and_stops_a_collapse()
    {
        var rng = new Random(3);
        FacePoint Template(string id, Func<int, float> value) =>
            new(id, Enumerable.Range(0, 64).Select(value).ToArray(), new FacePayload(id, "d", "r", "template"));
        var distinct = Enumerable.Range(0, 20).Select(i => Template($"id{i}", _ => (float)rng.NextDouble() - 0.5f)).ToList();
        Assert.Null(PublishGate.Problem(distinct));
        var collapsed = Enumerable.Range(0, 20).Select(i => Template($"id{i}", d => 1 + 0.01f * (float)rng.NextDouble())).ToList();
        Assert.Contains("collapsed", PublishGate.Problem(collapsed));
        Assert.Contains("not finite", PublishGate.Problem([distinct[0], Template("nan", _ => float.NaN)]));
    }

    [Fact]
    public async Task A_run_that_records_nothing_for_the_stall_time_fails_with_what_it_was_waiting_for()
    {
        await using var app = await StartAsync(new LedgerModule());
        var ledger = app.Services.GetRequiredService<RunLedger>();
        var now = DateTimeOffset.UtcNow;
        await ledger.RecordAsync(new DatasetDropped("r-stalled", RunPlan.Default, "faces", now.AddHours(-3)));
        await ledger.RecordAsync(new DatasetDropped("r-busy", RunPlan.Default, "other", now.AddMinutes(-1)));

        var failed = Assert.Single(await app.Services.GetRequiredService<RunRecovery>().FailStalledAsync(now, default));

        Assert.Equal(("r-stalled", Stages.Ingest), (failed.RunId, failed.Stage));
        Assert.Contains("stalled: nothing recorded for 180 min", failed.Reason);
        Assert.Contains("waiting for the drop to be ingested", failed.Reason);
        RunSummary? run = null;
        for (var until = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < until && run?.Status != RunStatus.Failed; await Task.Delay(50))
            run = (await ledger.GetRunAsync("r-stalled"))!.Run;
        Assert.Equal(RunStatus.Failed, run!.Status);
        Assert.Equal(RunStatus.Running, (await ledger.GetRunAsync("r-busy"))!.Run.Status);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }
}
