using Pipeline.Artifacts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using Pipeline.Face.Purification;
using Pipeline.Face.Training;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// A small synthetic dataset packed by the real packer into the dashboard's blob store (one planted file that is not
/// a photo, so the quarantine has it), ingest examples beside it, and purified runs over it with known decisions.
/// </summary>
public sealed class GalleryScenario
{
    public const int Identities = 4, PerIdentity = 6;

    private static readonly SyntheticFaceOptions Options = new() { Identities = Identities, PerIdentity = PerIdentity, HoldoutIdentities = 0, Seed = 18, Parallelism = 2 };

    /// <summary>The c-th identity's name (its folder).</summary>
    public static string Identity(int c) => new SyntheticFaceGenerator(Options).TrainName(c);

    public static string PlantedFile => Identity(1) + "/notes-not-a-photo.jpg";

    /// <summary>Dropped per identity: (sample index, nearest sub-center); sub-center 0 is every class's dominant one.</summary>
    public static readonly IReadOnlyDictionary<int, (int Sample, int Subcenter)[]> Drops = new Dictionary<int, (int, int)[]>
    {
        [0] = [(4, 1), (5, 2)],
        [1] = [(5, 0)],
        [2] = [(3, 1), (4, 1), (5, 0)],
    };

    public static int DroppedNonDominant => Drops.Values.Sum(d => d.Count(x => x.Subcenter != 0));
    public static int DroppedOverThreshold => Drops.Values.Sum(d => d.Count(x => x.Subcenter == 0));

    private GalleryScenario(string datasetId, IReadOnlyList<string> paths, IReadOnlyList<string> identities, byte[] probePhoto)
    {
        DatasetId = datasetId;
        Paths = paths;
        SampleIdentities = identities;
        ProbePhoto = probePhoto;
    }

    /// <summary>The identity of <see cref="ProbePath"/>: one that lost no sample, so its photo is indexed.</summary>
    public const int ProbeIdentity = 3;

    /// <summary>The packed path of a kept sample whose original photo is <see cref="ProbePhoto"/>.</summary>
    public static string ProbePath => $"{Identity(ProbeIdentity)}/{SyntheticFaceGenerator.ImageName(Identity(ProbeIdentity), 3)}";

    /// <summary>The original photo (JPEG) of <see cref="ProbePath"/>, as an operator would upload it.</summary>
    public byte[] ProbePhoto { get; }

    public string DatasetId { get; }
    /// <summary>The packed samples' paths, in pack order.</summary>
    public IReadOnlyList<string> Paths { get; }
    public IReadOnlyList<string> SampleIdentities { get; }

    public static async Task<GalleryScenario> CreateAsync(DashboardHost host, string datasetId)
    {
        var work = Path.Combine(Path.GetTempPath(), "dashboard-gallery-" + Guid.NewGuid().ToString("N"));
        try
        {
            new SyntheticFaceGenerator(Options).Generate(work);
            var train = Path.Combine(work, "train");
            await File.WriteAllTextAsync(Path.Combine(train, PlantedFile), "meeting notes, not a photo");
            var packed = Path.Combine(work, "packed");
            await DatasetPacker.PackToDirectoryAsync(new DirectorySource(train), new PackOptions { DatasetId = datasetId, Parallelism = 2 }, packed);
            var store = host.App.Services.GetRequiredService<ArtifactStore>();
            await store.UploadDirectoryAsync(packed, BlobContainers.Datasets, datasetId + "/", CancellationToken.None);

            // Ingest examples as the ingest writes them: one aligned photo, one refused (shown by another photo: the planted file has none).
            var photos = Directory.GetFiles(Path.Combine(train, Identity(0))).Order(StringComparer.Ordinal).ToArray();
            await store.Blobs.PutAsync(BlobContainers.Datasets, $"{datasetId}/examples/0.jpg", new MemoryStream(await File.ReadAllBytesAsync(photos[0])));
            await store.Blobs.PutAsync(BlobContainers.Datasets, $"{datasetId}/examples/1.jpg", new MemoryStream(await File.ReadAllBytesAsync(photos[1])));
            await store.PutJsonAsync(BlobContainers.Datasets, BlobPaths.DatasetExamples(datasetId), new[]
            {
                new FaceExample(Identity(0) + "/" + Path.GetFileName(photos[0]), FaceExamples.AlignedOutcome, null, "examples/0.jpg"),
                new FaceExample(PlantedFile, QuarantineReasons.NoFace, QuarantineReasons.Format(QuarantineReasons.NoFace, "no face found"), "examples/1.jpg"),
            }, CancellationToken.None);

            var probe = await File.ReadAllBytesAsync(Path.Combine(train, ProbePath));
            using var set = await store.LoadDatasetAsync(datasetId);
            return new GalleryScenario(datasetId, set.Paths.ToArray(), set.Labels.Select(l => set.Identities[l]).ToArray(), probe);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The decisions of <see cref="Drops"/>: kept samples score 20 + their index, dropped ones 80 + 2 x their index.</summary>
    public PurificationReport Report()
    {
        var decisions = new List<SampleDecision>();
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < Paths.Count; i++)
        {
            var identity = SampleIdentities[i];
            int j = seen[identity] = seen.GetValueOrDefault(identity, -1) + 1;
            int c = Enumerable.Range(0, Identities).First(k => Identity(k) == identity);
            var drop = Drops.GetValueOrDefault(c, []).Where(d => d.Sample == j).Select(d => (int?)d.Subcenter).FirstOrDefault();
            decisions.Add(drop is { } sub
                ? new SampleDecision(Paths[i], identity, PurificationReport.DropDecision, $"margin {80 + 2 * j}, not under 75.0", 80 + 2 * j, sub, 0)
                : new SampleDecision(Paths[i], identity, PurificationReport.KeepDecision, $"margin {20 + j}, under 75.0", 20 + j, 0, 0));
        }
        int dropped = decisions.Count(d => !d.Keep);
        return new PurificationReport("angle", 75, null, decisions.Count - dropped, dropped, decisions, "class-margin");
    }

    /// <summary>
    /// Run <paramref name="runId"/> purified as <see cref="Report"/>, then its final model (a small random one, the
    /// same for every run) indexed by the real Indexer into its own collection and published to <paramref name="alias"/>:
    /// its kept samples are the collection's points. Returns the events the ledger records for it.
    /// </summary>
    public async Task<int> PublishIndexedRunAsync(DashboardHost host, string runId, string alias, DateTimeOffset t0)
    {
        int n = await PublishPurifiedRunAsync(host, runId, Report(), t0);
        var store = host.App.Services.GetRequiredService<ArtifactStore>();
        var model = new ModelRef(runId, Stages.Final, BlobPaths.TrainedModel(runId, Stages.Final));
        var local = Directory.CreateTempSubdirectory("dashboard-model-").FullName;
        try
        {
            var info = new ModelInfo(BackboneSpec.Create("tiny", 112), 1, MarginSpec.ArcFace,
                Enumerable.Range(0, Identities).Select(Identity).ToArray(), null, DateTimeOffset.UnixEpoch);
            using (var m = new FaceModel(info, seed: 1)) m.Save(local);
            await store.UploadDirectoryAsync(local, BlobContainers.Models, model.Path, CancellationToken.None);
        }
        finally { Directory.Delete(local, recursive: true); }
        var purified = new DatasetRef(DatasetId, BlobPaths.PurifiedManifest(DatasetId, runId));
        await host.Bus.Publish(new ModelTrained(runId, RunScenarios.Plan with { IndexAlias = alias }, Stages.Final, model, purified, 1,
            new TrainingMetrics(2, 1.5, 0.9, DurationSeconds: 4), t0.AddSeconds(20)));
        return n + 2; // the final model, then its index
    }

    /// <summary><paramref name="samples"/> decisions cycling over the real samples (so thumbnails load), one in ten dropped, in 1000 identities.</summary>
    public PurificationReport LargeReport(int samples)
    {
        var decisions = Enumerable.Range(0, samples).Select(i => i % 10 == 3
            ? new SampleDecision(Paths[i % Paths.Count], $"big{i % 1000:D4}", PurificationReport.DropDecision, "far", 80 + i % 97 * 0.5, i % 2, 0)
            : new SampleDecision(Paths[i % Paths.Count], $"big{i % 1000:D4}", PurificationReport.KeepDecision, "near", 10 + i % 613 * 0.1, 0, 0)).ToList();
        int dropped = decisions.Count(d => !d.Keep);
        return new PurificationReport("angle", 75, null, samples - dropped, dropped, decisions, "class-margin");
    }

    public static readonly EpochMetrics[] SubCenterHistory =
    [
        new(1, 9.5, 0.10, 80, 0.1, 400, 2, Samples: 24),
        new(2, 4.25, 0.625, 60, 0.1, 410, 2, Samples: 22),
        new(3, 2.5, 0.875, 50, 0.01, 405, 2, Samples: 20),
    ];

    /// <summary>The sub-center stage's metrics.json as the Trainer writes it: final metrics and one entry per epoch (self-purification leaving samples out).</summary>
    private static object SubCenterMetrics() => new
    {
        metrics = new TrainingMetrics(3, 2.5, 0.875, DurationSeconds: 6),
        history = SubCenterHistory,
        samples = Identities * PerIdentity,
        identities = Identities,
    };

    /// <summary>Stores the report where the Purifier stores it and publishes the run up to its purification: returns the events published.</summary>
    public async Task<int> PublishPurifiedRunAsync(DashboardHost host, string runId, PurificationReport report, DateTimeOffset t0)
    {
        var store = host.App.Services.GetRequiredService<ArtifactStore>();
        var reportPath = BlobPaths.PurifiedReport(DatasetId, runId);
        await store.PutJsonAsync(BlobContainers.Datasets, reportPath, report, CancellationToken.None);
        await store.PutJsonAsync(BlobContainers.Datasets, BlobPaths.PurifiedManifest(DatasetId, runId), new KeepList(DatasetId, runId, report.Rule,
            report.Threshold, report.Kept, report.Dropped, report.Samples.Where(s => s.Keep).Select(s => s.Path).ToArray()), CancellationToken.None);
        await store.PutJsonAsync(BlobContainers.Models, BlobPaths.Metrics(runId, Stages.SubCenter), SubCenterMetrics(), CancellationToken.None);
        var plan = RunScenarios.Plan;
        var dataset = new DatasetRef(DatasetId, BlobPaths.DatasetManifest(DatasetId));
        var subcenter = new ModelRef(runId, Stages.SubCenter, $"{runId}/{Stages.SubCenter}/final/");
        // 10-degree bins from 20: the histogram a click on which filters the gallery.
        var kept = new int[10];
        var droppedBins = new int[10];
        foreach (var s in report.Samples) (s.Keep ? kept : droppedBins)[Math.Clamp((int)((s.Score - 20) / 10), 0, 9)]++;
        object[] events =
        [
            new DatasetDropped(runId, plan, "synthetic", t0),
            new DatasetIngested(runId, plan, dataset, Paths.Count, Identities, Quarantined: 1, t0.AddSeconds(1)),
            new TrainModel(runId, plan, Stages.SubCenter, dataset, SubCenters: 3, t0.AddSeconds(2)),
            new ModelTrained(runId, plan, Stages.SubCenter, subcenter, dataset, 3, new TrainingMetrics(3, 2.5, 0.875, DurationSeconds: 8), t0.AddSeconds(10)),
            new DatasetPurified(runId, plan, dataset with { ManifestPath = BlobPaths.PurifiedManifest(DatasetId, runId) }, reportPath,
                report.Kept, report.Dropped, report.Threshold, t0.AddSeconds(12),
                new ScoreDistribution("class-margin", false, 20, 10, kept, droppedBins, "fixed")),
        ];
        foreach (var e in events) await host.Bus.Publish(e, e.GetType());
        return events.Length;
    }
}
