using Pipeline.Alignment;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;

namespace Pipeline.Ingest.Tests;

/// <summary>
/// The Ingest service against one blob store: the same tests run on a local folder and on Azurite. Every
/// test uses its own drop-name prefix (and the watchers only look there), so tests never take each other's drops.
/// </summary>
public abstract class IngestContract : IAsyncLifetime
{
    protected abstract IBlobStore Blobs { get; }

    /// <summary>"t&lt;8 hex&gt;-": also the start of every dataset id these tests create.</summary>
    protected string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8] + "-";

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var container in new[] { BlobContainers.Drops, BlobContainers.Datasets })
            foreach (var entry in await Blobs.ListAsync(container, Prefix))
                await Blobs.DeleteAsync(container, entry.Path);
    }

    private static Dictionary<string, byte[]> Faces(int firstSeed, params (string Identity, int Count)[] identities)
    {
        var files = new Dictionary<string, byte[]>();
        int seed = firstSeed;
        foreach (var (identity, count) in identities)
            for (int i = 0; i < count; i++)
                files[$"{identity}/{i:D2}.jpg"] = TestImages.Jpeg(seed++);
        return files;
    }

    private async Task PutFolderAsync(string name, IReadOnlyDictionary<string, byte[]> files, bool ready = true)
    {
        foreach (var (path, bytes) in files) await Blobs.PutBytesAsync(BlobContainers.Drops, $"{name}/{path}", bytes);
        if (ready) await Blobs.PutTextAsync(BlobContainers.Drops, $"{name}/{DropLayout.ReadyMarker}", "{}");
    }

    [Fact]
    public async Task A_ready_folder_drop_is_claimed_once_by_competing_watchers_and_packed_with_its_bad_files_quarantined()
    {
        var name = Prefix + "celebs";
        var files = Faces(1, ("alice", 3), ("bob", 2));
        files["bob/broken.jpg"] = TestImages.TruncatedJpeg(99);
        files["bob/notes.txt"] = "not a face"u8.ToArray();
        await PutFolderAsync(name, files);
        await using var host = await IngestHost.StartAsync(Blobs, Prefix);

        var watchers = Enumerable.Range(0, 2).Select(_ => host.NewWatcher()).ToList();
        var scans = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => watchers[i % 2].ScanOnceAsync())));
        Assert.Single(scans.SelectMany(s => s));

        var runId = RunIds.FromKey("drop:" + name);
        var ingested = await host.Events.WaitForAsync<DatasetIngested>(e => e.RunId == runId);
        var datasetId = DatasetIds.FromDropName(name);
        Assert.Equal(name, datasetId);
        Assert.Equal(new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)), ingested.Dataset);
        Assert.Equal((5, 2, 2), (ingested.Samples, ingested.Identities, ingested.Quarantined));
        Assert.Equal(RunPlan.Default, ingested.Plan);

        // Later polls by either watcher find nothing: the claim marker stays.
        Assert.Empty((await watchers[0].ScanOnceAsync()).Concat(await watchers[1].ScanOnceAsync()));
        Assert.True(await Blobs.ExistsAsync(BlobContainers.Drops, BlobPaths.DropClaim(name)));
        Assert.Single(host.Events.Of<DatasetDropped>(), d => d.DropName == name);

        var stored = (await Blobs.ListAsync(BlobContainers.Datasets, datasetId + "/")).Select(e => e.Path[(datasetId.Length + 1)..]).ToList();
        // The five crops are shown beside their photos (examples/), then the dataset itself.
        Assert.Equal(["examples.json", "examples/0.jpg", "examples/1.jpg", "examples/2.jpg", "examples/3.jpg", "examples/4.jpg",
            "manifest.json", "quarantine.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin"], stored);
        await using (var m = (await Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId)))!)
        {
            var manifest = DatasetManifest.ReadFrom(m);
            Assert.Equal((datasetId, 5, 112), (manifest.DatasetId, manifest.SampleCount, manifest.ImageSize));
            Assert.Equal(["alice", "bob"], manifest.Identities);
        }
        await using var q = (await Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId)))!;
        var quarantine = DatasetFiles.ReadQuarantine(q);
        Assert.Equal(["bob/broken.jpg", "bob/notes.txt"], quarantine.Select(e => e.Path)); // control files are not data
        Assert.Contains(quarantine[0].Code, new[] { QuarantineReasons.Truncated, QuarantineReasons.Corrupt });
        Assert.Equal(QuarantineReasons.NotAnImage, quarantine[1].Code);
        Assert.All(quarantine, e => Assert.Contains(": ", e.Reason));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(host.WorkRoot, "ingest"))); // temp folder cleaned
    }

    [Fact]
    public async Task An_archive_still_changing_is_left_alone_until_it_settles()
    {
        var name = Prefix + "copying.zip";
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false, archiveSettleSeconds: 2);
        var watcher = host.NewWatcher();
        await Blobs.PutBytesAsync(BlobContainers.Drops, name, TestImages.Zip(Faces(30, ("carol", 2), ("dave", 2))));

        Assert.Empty(await watcher.ScanOnceAsync()); // written just now: a copy may still be running
        await Task.Delay(2200);
        Assert.Equal(name, Assert.Single(await watcher.ScanOnceAsync()).DropName);
        Assert.Empty(await host.NewWatcher().ScanOnceAsync()); // started: done for every instance
    }

    [Fact]
    public async Task A_claim_whose_claimer_died_before_announcing_the_run_lapses_and_the_drop_is_taken_again()
    {
        var name = Prefix + "orphan";
        await PutFolderAsync(name, Faces(40, ("carol", 2), ("dave", 2)));
        // An instance claimed the drop, then died before it published the run.
        Assert.NotNull(await Blobs.TryClaimAsync(BlobContainers.Drops, Drop.FromName(name).ClaimPath, "dead-instance", TimeSpan.FromSeconds(1)));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false, dropClaimSeconds: 1);

        Assert.Empty(await host.NewWatcher().ScanOnceAsync());
        await Task.Delay(1500);
        var dropped = Assert.Single(await host.NewWatcher().ScanOnceAsync());
        Assert.Equal(RunIds.FromKey("drop:" + name), dropped.RunId);
        await Task.Delay(1500); // the new claim lapses too, but the run is announced: the drop stays done
        Assert.Empty(await host.NewWatcher().ScanOnceAsync());
    }

    [Fact]
    public async Task A_zip_archive_drop_is_ingested_with_the_plan_beside_it()
    {
        var name = Prefix + "faces.zip";
        await Blobs.PutTextAsync(BlobContainers.Drops, name + DropLayout.ArchivePlanSuffix, """{ "epochs": 3, "backbone": "r18" }""");
        await Blobs.PutBytesAsync(BlobContainers.Drops, name, TestImages.Zip(Faces(20, ("carol", 2), ("dave", 2), ("erin", 1))));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix);

        var dropped = Assert.Single(await host.NewWatcher().ScanOnceAsync());
        Assert.Equal(name, dropped.DropName);
        Assert.True(await Blobs.ExistsAsync(BlobContainers.Drops, name + DropLayout.ArchiveClaimSuffix));

        var ingested = await host.Events.WaitForAsync<DatasetIngested>(e => e.RunId == dropped.RunId);
        Assert.Equal(DatasetIds.FromDropName(name), ingested.Dataset.DatasetId);
        Assert.Equal((5, 3, 0), (ingested.Samples, ingested.Identities, ingested.Quarantined));
        Assert.Equal(RunPlan.Default with { Epochs = 3, Backbone = "r18" }, ingested.Plan);
        Assert.True(await Blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(ingested.Dataset.DatasetId)));
        Assert.Empty(await host.NewWatcher().ScanOnceAsync());
    }

    [Fact]
    public async Task A_folder_without_its_READY_marker_is_left_alone_until_the_marker_lands()
    {
        var name = Prefix + "uploading";
        await PutFolderAsync(name, Faces(40, ("frank", 2)), ready: false);
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false);
        var watcher = host.NewWatcher();

        Assert.Empty(await watcher.ScanOnceAsync());
        Assert.False(await Blobs.ExistsAsync(BlobContainers.Drops, BlobPaths.DropClaim(name)));

        await Blobs.PutTextAsync(BlobContainers.Drops, $"{name}/{DropLayout.ReadyMarker}", "{}");
        Assert.Equal(name, Assert.Single(await watcher.ScanOnceAsync()).DropName);
    }

    [Fact]
    public async Task A_drop_of_only_garbage_fails_the_run_with_a_reason_and_the_service_goes_on()
    {
        var garbage = Prefix + "garbage";
        var junk = new byte[2000];
        new Random(7).NextBytes(junk);
        await PutFolderAsync(garbage, new Dictionary<string, byte[]>
        {
            ["x/a.jpg"] = junk,
            ["x/b.jpg"] = "<html>404</html>"u8.ToArray(),
            ["readme.txt"] = "hello"u8.ToArray(),
        });
        var good = Prefix + "good";
        await PutFolderAsync(good, Faces(60, ("gina", 2)));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix);

        Assert.Equal(2, (await host.NewWatcher().ScanOnceAsync()).Count);
        var failed = await host.Events.WaitForAsync<StageFailed>(e => e.RunId == RunIds.FromKey("drop:" + garbage));
        Assert.Equal(Stages.Ingest, failed.Stage);
        Assert.Contains($"drops/{garbage}", failed.Reason);
        Assert.Contains("no valid image", failed.Reason);
        Assert.Contains("3 entries quarantined", failed.Reason);

        var datasetId = DatasetIds.FromDropName(garbage);
        Assert.False(await Blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId)));
        Assert.True(await Blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId)));

        var ingested = await host.Events.WaitForAsync<DatasetIngested>(e => e.RunId == RunIds.FromKey("drop:" + good));
        Assert.Equal(2, ingested.Samples);
        Assert.DoesNotContain(host.Events.Of<DatasetIngested>(), e => e.RunId == failed.RunId);
    }

    [Fact]
    public async Task A_plan_in_the_drop_folder_is_used_and_an_invalid_one_fails_the_run()
    {
        var planned = Prefix + "planned";
        await Blobs.PutTextAsync(BlobContainers.Drops, $"{planned}/plan.json", """{ "Epochs": 2, "subCenters": 5, "dropRule": "angle" }""");
        await PutFolderAsync(planned, Faces(80, ("hank", 1)));
        var typo = Prefix + "typo";
        await Blobs.PutTextAsync(BlobContainers.Drops, $"{typo}/plan.json", """{ "epoch": 2 }""");
        await PutFolderAsync(typo, Faces(90, ("ida", 1)));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false);

        var dropped = Assert.Single(await host.NewWatcher().ScanOnceAsync());
        Assert.Equal(RunPlan.Default with { Epochs = 2, SubCenters = 5, DropRule = DropRules.Angle }, dropped.Plan);
        var failed = await host.Events.WaitForAsync<StageFailed>(e => e.RunId == RunIds.FromKey("drop:" + typo));
        Assert.Contains($"drops/{typo}/plan.json", failed.Reason);
        Assert.Contains("epoch", failed.Reason);
    }

    [Fact]
    public async Task A_plan_with_bad_values_fails_the_run_at_ingest_naming_the_file_and_every_bad_field()
    {
        var name = Prefix + "zero";
        await Blobs.PutTextAsync(BlobContainers.Drops, $"{name}/plan.json", """{ "epochs": 0, "batchSize": 1, "dropScore": "subcenter" }""");
        await PutFolderAsync(name, Faces(95, ("jo", 2)));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix);

        Assert.Empty(await host.NewWatcher().ScanOnceAsync());

        var failed = await host.Events.WaitForAsync<StageFailed>(e => e.RunId == RunIds.FromKey("drop:" + name));
        Assert.Equal(Stages.Ingest, failed.Stage);
        Assert.Equal($"drops/{name}/plan.json: epochs 0: expected at least 1; batchSize 1: expected at least 2 (batch normalisation needs a batch)",
            failed.Reason);
        Assert.Empty(host.Events.Of<DatasetDropped>());
        Assert.False(await Blobs.ExistsAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(DatasetIds.FromDropName(name))));
        Assert.Empty(await host.NewWatcher().ScanOnceAsync()); // refused once, not on every poll
    }

    [Fact]
    public async Task A_redelivered_drop_re_creates_the_same_dataset_bytes()
    {
        var name = Prefix + "again";
        await PutFolderAsync(name, Faces(100, ("jack", 2), ("kim", 1)));
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false);
        var message = new DatasetDropped(RunIds.FromKey("drop:" + name), RunPlan.Default, name, DateTimeOffset.UtcNow);
        var consumer = host.NewConsumer();

        var first = Assert.IsType<DatasetIngested>(await consumer.IngestAsync(message, CancellationToken.None));
        var before = await SnapshotAsync(first.Dataset.DatasetId);
        var second = Assert.IsType<DatasetIngested>(await consumer.IngestAsync(message, CancellationToken.None));
        Assert.Equal(first with { IngestedAt = default }, second with { IngestedAt = default });
        Assert.Equal(before, await SnapshotAsync(first.Dataset.DatasetId));
    }

    private static Dictionary<string, byte[]> MarkedFaces()
    {
        var files = Faces(200, ("lee", 2), ("max", 1));
        files["landmarks.txt"] = "lee/00.jpg 38 52 74 52 56 72 42 92 71 92\nlee/01.jpg 30 40 80 42 55 70 35 95 75 95\n"u8.ToArray();
        return files;
    }

    [Fact]
    public async Task A_folder_drop_aligned_by_its_shipped_landmarks_packs_the_listed_photos_and_quarantines_the_rest()
    {
        var name = Prefix + "marked";
        await PutFolderAsync(name, MarkedFaces());
        var ingested = await IngestShippedLandmarksAsync(name);

        // Each photo beside what alignment made of it, stored with the dataset for the dashboard.
        await using var listed = (await Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetExamples(ingested.Dataset.DatasetId)))!;
        var examples = FaceExamples.Read(listed);
        Assert.Equal([("lee/00.jpg", "aligned"), ("lee/01.jpg", "aligned"), ("max/00.jpg", QuarantineReasons.NoLandmarks)],
            examples.Select(e => (e.Path, e.Outcome)).Order());
        foreach (var e in examples)
            Assert.True(await Blobs.ExistsAsync(BlobContainers.Datasets, $"{ingested.Dataset.DatasetId}/{e.Photo}"), e.Photo);
    }

    [Fact]
    public async Task A_zip_drop_aligned_by_the_landmarks_file_at_its_top_packs_as_the_folder_drop_does()
    {
        var name = Prefix + "marked.zip";
        await Blobs.PutBytesAsync(BlobContainers.Drops, name, TestImages.Zip(MarkedFaces()));
        await IngestShippedLandmarksAsync(name);
    }

    /// <summary>Ingests the drop of <see cref="MarkedFaces"/> by its landmarks: the two listed photos packed, the unlisted one quarantined.</summary>
    private async Task<DatasetIngested> IngestShippedLandmarksAsync(string name)
    {
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false);
        var plan = RunPlan.Default with { FaceAlignment = FaceAlignments.Landmarks };
        var message = new DatasetDropped(RunIds.FromKey("drop:" + name), plan, name, DateTimeOffset.UtcNow);
        var ingested = Assert.IsType<DatasetIngested>(await host.NewConsumer().IngestAsync(message, CancellationToken.None));
        Assert.Equal((2, 1, 1), (ingested.Samples, ingested.Identities, ingested.Quarantined));
        await using var q = (await Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(ingested.Dataset.DatasetId)))!;
        var entry = Assert.Single(DatasetFiles.ReadQuarantine(q));
        Assert.Equal(("max/00.jpg", QuarantineReasons.NoLandmarks), (entry.Path, entry.Code));
        return ingested;
    }

    [Fact]
    public async Task A_second_drop_of_the_same_photos_takes_their_faces_from_the_detection_cache()
    {
        // Photos no other test or earlier run has sent, so the cache entries are this test's.
        int seed = Random.Shared.Next(1, int.MaxValue / 2);
        var files = Enumerable.Range(0, 3).ToDictionary(i => $"ann/{i}.jpg",
            i => SyntheticPhoto.Render(500, 600, [new FacePlacement(1, 250, 280, 220)], seed + i, difficulty: 0));
        var identity = YuNetDetector.IdentityOf(new AlignerOptions().Detector);
        var keys = files.Values.Select(b => BlobPaths.Detections(DetectionCache.Key(identity, ContentHashes.Of(b), 500, 600))).ToList();
        await using var host = await IngestHost.StartAsync(Blobs, Prefix, withConsumer: false);
        try
        {
            async Task<DatasetManifest> IngestAsync(string name)
            {
                await PutFolderAsync(name, files);
                var message = new DatasetDropped(RunIds.FromKey("drop:" + name), RunPlan.Default, name, DateTimeOffset.UtcNow);
                var ingested = Assert.IsType<DatasetIngested>(await host.NewConsumer().IngestAsync(message, CancellationToken.None));
                await using var m = (await Blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(ingested.Dataset.DatasetId)))!;
                return DatasetManifest.ReadFrom(m);
            }

            var first = await IngestAsync(Prefix + "photos");
            var written = new List<string>();
            foreach (var key in keys) written.Add(Assert.IsType<BlobEntry>(await Blobs.GetInfoAsync(BlobContainers.Cache, key)).ETag);

            // A detection always rewrites its entry: entries left as they were mean no photo was detected again.
            var second = await IngestAsync(Prefix + "photos-again");
            foreach (var (key, etag) in keys.Zip(written)) Assert.Equal(etag, (await Blobs.GetInfoAsync(BlobContainers.Cache, key))!.ETag);
            Assert.Equal(3, second.SampleCount);
            Assert.Equal(first.Shards.Select(s => s.Sha256), second.Shards.Select(s => s.Sha256));
        }
        finally
        {
            foreach (var key in keys) await Blobs.DeleteAsync(BlobContainers.Cache, key);
        }
    }

    private async Task<Dictionary<string, string>> SnapshotAsync(string datasetId)
    {
        var snapshot = new Dictionary<string, string>();
        foreach (var e in await Blobs.ListAsync(BlobContainers.Datasets, datasetId + "/"))
            snapshot[e.Path] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData((await Blobs.GetBytesAsync(BlobContainers.Datasets, e.Path))!));
        return snapshot;
    }
}

public sealed class LocalFolderIngestTests : IngestContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ingest-blobs-" + Guid.NewGuid().ToString("N"));

    public LocalFolderIngestTests() => Blobs = new LocalFolderBlobStore(_root);

    protected override IBlobStore Blobs { get; }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

public sealed class AzuriteIngestTests : IngestContract
{
    public AzuriteIngestTests()
    {
        TestServices.RequireAzurite();
        Blobs = new AzureBlobStore(TestServices.AzureConnectionString);
    }

    protected override IBlobStore Blobs { get; }
}
