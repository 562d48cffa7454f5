using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Ledger;
using Pipeline.ServiceDefaults;
using Xunit.Abstractions;

namespace Pipeline.SystemTests;

/// <summary>
/// The whole system, distributed: Ingest, Trainer, Purifier and Indexer each run as their own
/// process on real RabbitMQ and Azurite; this test process hosts the run ledger (as the dashboard
/// does) and acts as the user who drops a dataset and asks for a retrain.
/// </summary>
public sealed class DistributedPipelineTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-system-").FullName;
    private readonly List<ServiceProcess> _services = [];
    private string Root => Path.Combine(_tmp, "root");
    // What the test wrote to the shared Azurite containers, deleted afterwards so repeated runs do not fill the disk.
    private readonly List<(string Container, string Prefix)> _written = [];

    [Fact]
    public async Task A_drop_in_azurite_is_ingested_trained_purified_retrained_and_indexed_across_separate_services()
    {
        TestServices.RequireRabbitMq();
        TestServices.RequireAzurite();
        var prefix = $"sys{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):D3}";
        var env = Env(prefix);
        await using var ledgerHost = LedgerHost(env);
        await ledgerHost.StartAsync();
        var ledger = ledgerHost.Services.GetRequiredService<RunLedger>();
        var blobs = ledgerHost.Services.GetRequiredService<IBlobStore>();
        // One root for every service, set once (Pipeline__Root), as the README's distributed steps set it: each keeps its own
        // work folder under it, and the ledger the command line reads is the one the services' events went to.
        foreach (var service in new[] { "Ingest", "Trainer", "Purifier", "Indexer" })
            _services.Add(new ServiceProcess(service, env));
        await Task.WhenAll(_services.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(90))));
        var indexer = _services.Single(s => s.Name == "Indexer");

        // A user drops a small noisy synthetic set: 12 identities x 8 images, a quarter filed under the wrong identity.
        var synth = Path.Combine(_tmp, "synth");
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 12, PerIdentity = 8, ClosedNoise = 0.25, HoldoutIdentities = 0, Seed = 3 })
            .Generate(synth, null, default);
        var plan = RunPlan.Default with { Epochs = 2, FinalEpochs = 2, BatchSize = 16, Seed = 3 };
        var dropName = prefix + "-faces";
        var files = Directory.EnumerateFiles(Path.Combine(synth, "train"), "*.jpg", SearchOption.AllDirectories).ToList();
        foreach (var f in files)
            await blobs.UploadFileAsync(BlobContainers.Drops, $"{dropName}/{Path.GetRelativePath(Path.Combine(synth, "train"), f)}", f);
        await blobs.PutTextAsync(BlobContainers.Drops, $"{dropName}/plan.json", JsonSerializer.Serialize(plan));
        await blobs.PutTextAsync(BlobContainers.Drops, $"{dropName}/_READY", "{}");
        var runId = RunIds.FromKey("drop:" + dropName);
        _written.AddRange([(BlobContainers.Drops, dropName + "/"), (BlobContainers.Models, runId + "/")]);

        var run = await WaitForRun(ledger, runId, TimeSpan.FromMinutes(5));
        Assert.True(run.Run.Status == RunStatus.Completed, Describe(run));
        foreach (var stage in new[] { Stages.Ingest, Stages.SubCenter, Stages.Purify, Stages.Final, Stages.Index })
            Assert.True(run.Stages.Any(s => s.Stage == stage && s.Status == StageStatus.Completed), $"stage {stage} not completed: {Describe(run)}");
        var datasetId = run.Run.DatasetId!;
        _written.Add((BlobContainers.Datasets, datasetId + "/"));
        Assert.True(await blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.PurifiedReport(datasetId, runId)));
        var keep = await ledgerHost.Services.GetRequiredService<ArtifactStore>().GetJsonAsync<KeepList>(BlobContainers.Datasets, BlobPaths.PurifiedManifest(datasetId, runId), default);
        Assert.NotNull(keep);
        Assert.Equal(files.Count, keep.Kept + keep.Dropped);
        int shards = (await blobs.ListAsync(BlobContainers.Datasets, BlobPaths.PurifiedFolder(datasetId, runId) + "cosines/")).Count;
        Assert.True(shards >= 3, "purification was split per shard");
        // The default score (class margin) needs the class means: the shards' embeddings went through Azurite and were deleted after.
        var report = await ledgerHost.Services.GetRequiredService<ArtifactStore>().GetJsonAsync<Pipeline.Face.Purification.PurificationReport>(BlobContainers.Datasets, BlobPaths.PurifiedReport(datasetId, runId), default);
        Assert.Equal("class-margin", report!.Score);
        Assert.Empty(await blobs.ListAsync(BlobContainers.Datasets, BlobPaths.PurifiedFolder(datasetId, runId) + "embeddings/"));
        Assert.NotNull(report.Whitening); // the class margin was measured whitened, from Azurite's embeddings cached by the decider...
        Assert.False(Directory.Exists(Path.Combine(Root, "work", "purifier", "purify", runId, "embeddings")), "...and the decider's local copies are gone");
        Assert.True(File.Exists(Path.Combine(Root, "ledger.db")));
        Assert.All(["ingest", "trainer", "purifier", "indexer"], s => Assert.True(Directory.Exists(Path.Combine(Root, "work", s)), $"no work folder of its own for {s}"));

        using var http = new HttpClient { BaseAddress = new Uri(indexer.Url) };
        Assert.Equal($"faces-{runId}", (await http.GetFromJsonAsync<Dictionary<string, string>>("/api/aliases"))!["faces"]);
        var probe = files.First(f => f.Contains("id00004"));
        var first = await Search(http, probe);
        Assert.Equal($"faces-{runId}", first.GetProperty("collection").GetString());
        Assert.NotEmpty(first.GetProperty("matches").EnumerateArray());
        // A match's thumbnail comes from the dataset's shards (downloaded once into the Indexer's cache).
        var thumbnail = first.GetProperty("matches").EnumerateArray().First().GetProperty("thumbnailUrl").GetString()!;
        using (var png = await http.GetAsync(thumbnail))
        {
            Assert.True(png.IsSuccessStatusCode, thumbnail);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await png.Content.ReadAsByteArrayAsync())[..4]);
        }
        Assert.Equal(404, (int)(await http.GetAsync($"/api/samples/{datasetId}/no-such/face.jpg")).StatusCode);

        // A retrain by message makes a new model version; the alias moves to it; the same request again starts nothing.
        var bus = ledgerHost.Services.GetRequiredService<IBus>();
        var retrain = new RetrainRequested($"{prefix}-retrain", datasetId, plan with { Seed = 4 }, "system-test", DateTimeOffset.UtcNow);
        _written.Add((BlobContainers.Models, retrain.RunId + "/"));
        await bus.Publish(retrain);
        var second = await WaitForRun(ledger, retrain.RunId, TimeSpan.FromMinutes(5));
        Assert.True(second.Run.Status == RunStatus.Completed, Describe(second));
        Assert.NotEqual(runId, retrain.RunId);
        Assert.Equal($"faces-{retrain.RunId}", (await http.GetFromJsonAsync<Dictionary<string, string>>("/api/aliases"))!["faces"]);
        Assert.Equal($"faces-{retrain.RunId}", (await Search(http, probe)).GetProperty("collection").GetString());
        Assert.True(await blobs.ExistsAsync(BlobContainers.Models, $"{retrain.RunId}/final/final/model.json"));

        int runsBefore = (await ledger.ListRunsAsync()).Count;
        await bus.Publish(retrain with { RequestedAt = DateTimeOffset.UtcNow });
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(runsBefore, (await ledger.ListRunsAsync()).Count);
        Assert.Equal(RunStatus.Completed, (await ledger.GetRunAsync(retrain.RunId))!.Run.Status);

        // Rolling the alias back to the first model is a write: refused without the key, done with it.
        var rollback = $"/api/aliases/faces?collection=faces-{runId}";
        Assert.Equal(403, (int)(await http.PutAsync(rollback, null)).StatusCode);
        using (var keyed = new HttpRequestMessage(HttpMethod.Put, rollback) { Headers = { { "X-Api-Key", "system-test-key" } } })
            Assert.True((await http.SendAsync(keyed)).IsSuccessStatusCode);
        Assert.Equal($"faces-{runId}", (await Search(http, probe)).GetProperty("collection").GetString());
        Assert.All(_services, s => Assert.False(s.Exited, $"{s.Name} died:\n{s.Log}"));
    }

    private Dictionary<string, string> Env(string prefix) => new()
    {
        ["Pipeline__Transport"] = "RabbitMq",
        ["Pipeline__RabbitMq__Host"] = TestServices.RabbitHost,
        ["Pipeline__BlobStore"] = "Azure",
        ["Pipeline__AzureConnectionString"] = TestServices.AzureConnectionString,
        ["Pipeline__Root"] = Root,
        ["Pipeline__Ingest__DropNamePrefix"] = prefix,
        ["Pipeline__Ingest__ShardSize"] = "40",
        ["Pipeline__DropPollSeconds"] = "1",
        ["Pipeline__ProgressIntervalSeconds"] = "1",
        ["Pipeline__ApiKey"] = "system-test-key",
        ["PIPELINE_THREADS"] = "1",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Pipeline"] = "Information",
    };

    [Fact]
    public async Task A_trainer_killed_mid_run_is_resumed_from_its_checkpoint_by_another_instance()
    {
        TestServices.RequireRabbitMq();
        TestServices.RequireAzurite();
        var prefix = $"crash{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):D3}";
        var env = Env(prefix);
        env["Pipeline__TrainingClaimSeconds"] = "6";
        env["Pipeline__JobRescanSeconds"] = "2";
        env["Pipeline__CheckpointEverySteps"] = "3";
        await using var ledgerHost = LedgerHost(env);
        await ledgerHost.StartAsync();
        var ledger = ledgerHost.Services.GetRequiredService<RunLedger>();
        var blobs = ledgerHost.Services.GetRequiredService<IBlobStore>();

        // An ingested dataset, packed here and put where Ingest would put it.
        var synth = Path.Combine(_tmp, "synth");
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 10, PerIdentity = 10, HoldoutIdentities = 0, Seed = 9 }).Generate(synth, null, default);
        var datasetId = prefix + "-set";
        var packed = Path.Combine(_tmp, "packed");
        _written.Add((BlobContainers.Datasets, datasetId + "/"));
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(synth, "train")), new PackOptions { DatasetId = datasetId, ImageSize = 64 }, DatasetFiles.WriterFor(packed));
        foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
            await blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{Path.GetFileName(f)}", f);

        var runId = RunIds.FromKey(prefix);
        _written.Add((BlobContainers.Models, runId + "/"));
        var plan = RunPlan.Default with { Epochs = 8, BatchSize = 16, Seed = 9 };
        var first = new ServiceProcess("Trainer", new Dictionary<string, string>(env) { ["Pipeline__WorkRoot"] = Path.Combine(_tmp, "trainer-a") });
        _services.Add(first);
        await first.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        await ledgerHost.Services.GetRequiredService<IBus>().Publish(new TrainModel(runId, plan, Stages.SubCenter,
            new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)), 3, DateTimeOffset.UtcNow));

        // Kill it once a checkpoint past the first epoch is in the bucket: mid-run, nothing handed over.
        var latest = $"{runId}/{Stages.SubCenter}/checkpoint/LATEST";
        var until = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var text = await blobs.GetTextAsync(BlobContainers.Models, latest);
            if (text is not null && long.Parse(text.Trim()["step-".Length..]) >= 9) break;
            Assert.True(DateTime.UtcNow < until, $"no checkpoint after 3 minutes:\n{first.Log}");
            await Task.Delay(200);
        }
        first.Dispose();
        _services.Remove(first);
        Assert.False(await blobs.ExistsAsync(BlobContainers.Models, $"{runId}/{Stages.SubCenter}/trained.json"));

        var second = new ServiceProcess("Trainer", new Dictionary<string, string>(env) { ["Pipeline__WorkRoot"] = Path.Combine(_tmp, "trainer-b") });
        _services.Add(second);
        until = DateTime.UtcNow.AddMinutes(4);
        while (!await blobs.ExistsAsync(BlobContainers.Models, $"{runId}/{Stages.SubCenter}/trained.json"))
        {
            Assert.True(DateTime.UtcNow < until, $"the second trainer did not finish the job:\n{second.Log}");
            Assert.False(second.Exited, second.Log);
            await Task.Delay(500);
        }
        Assert.Contains("resuming from checkpoint", second.Log);
        Assert.True(await blobs.ExistsAsync(BlobContainers.Models, $"{runId}/{Stages.SubCenter}/final/model.json"));
        var run = await WaitForRun(ledger, runId, TimeSpan.FromSeconds(30), stage: Stages.SubCenter);
        Assert.Contains(run.Stages, s => s.Stage == Stages.SubCenter && s.Status == StageStatus.Completed);
    }

    private WebApplication LedgerHost(Dictionary<string, string> env) =>
        PipelineHost.Build([], c => c.AddInMemoryCollection(env.Where(kv => kv.Key.StartsWith("Pipeline__"))
            .Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":"), kv.Value))
            .Append(new("urls", "http://127.0.0.1:0"))), new LedgerModule());

    private static async Task<JsonElement> Search(HttpClient http, string image)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(image)), "image", "probe.jpg" } };
        var resp = await http.PostAsync("/api/search", form);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<RunDetails> WaitForRun(RunLedger ledger, string runId, TimeSpan timeout, string? stage = null)
    {
        var until = DateTime.UtcNow + timeout;
        RunDetails? run = null;
        while (DateTime.UtcNow < until)
        {
            run = await ledger.GetRunAsync(runId);
            if (run is not null && run.Run.Status is RunStatus.Completed or RunStatus.Failed) return run;
            if (run is not null && stage is not null && run.Stages.Any(s => s.Stage == stage && s.Status is StageStatus.Completed or StageStatus.Failed)) return run;
            var dead = _services.FirstOrDefault(s => s.Exited);
            if (dead is not null) throw new InvalidOperationException($"{dead.Name} exited:\n{dead.Log}");
            await Task.Delay(500);
        }
        throw new TimeoutException($"run {runId} not finished after {timeout}: {(run is null ? "unknown to the ledger" : Describe(run))}\n" +
            string.Join("\n", _services.Select(s => $"--- {s.Name} ---\n{s.Log}")));
    }

    private static string Describe(RunDetails run) =>
        $"{run.Run.RunId} {run.Run.Status}: " + string.Join("; ", run.Stages.Select(s => $"{s.Stage}={s.Status} {s.DetailJson}"));

    public void Dispose()
    {
        foreach (var s in _services)
        {
            output.WriteLine($"--- {s.Name} ---");
            output.WriteLine(s.Log.Length > 20_000 ? s.Log[^20_000..] : s.Log);
            s.Dispose();
        }
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
        var service = new Azure.Storage.Blobs.BlobServiceClient(TestServices.AzureConnectionString);
        foreach (var (container, prefix) in _written)
        {
            var blobs = service.GetBlobContainerClient(container);
            foreach (var blob in blobs.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, default)) blobs.DeleteBlobIfExists(blob.Name);
        }
    }
}
