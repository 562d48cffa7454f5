using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Models;
using Pipeline.Face.Training;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Purifier.Tests;

/// <summary>
/// The Purifier as Program.cs builds it, beside the ledger that turns a failed message into a failed stage, on the
/// in-memory bus (no retries: a fault fails at once) and a temp local blob store, with a noisy set of
/// <see cref="Shards"/> shards and a K=3 model really trained on it. It records what the bus publishes and every
/// PurifyShard the Purifier has handled.
/// </summary>
public sealed class PurifierHost : IAsyncDisposable
{
    public const string DatasetId = "ds";
    public const int Shards = 4, Samples = 80;

    private readonly WebApplication _app;
    private readonly string _root;
    private readonly string _modelDir;

    private PurifierHost(WebApplication app, string root, string modelDir, ImageSet set, FaceModel model) =>
        (_app, _root, _modelDir, Set, Model) = (app, root, modelDir, set, model);

    /// <summary>The set as packed, every shard, and the model trained on it: what a test decides over the whole set at once.</summary>
    public ImageSet Set { get; }
    public FaceModel Model { get; }

    public IBus Bus => _app.Services.GetRequiredService<IBus>();
    public IBlobStore Blobs => _app.Services.GetRequiredService<IBlobStore>();
    public ArtifactStore Store => _app.Services.GetRequiredService<ArtifactStore>();
    public BusProbe<PurifyShard> Probe { get; } = new("purify-shard", m => m.RunId);
    public static DatasetRef Dataset => new(DatasetId, BlobPaths.DatasetManifest(DatasetId));

    public static async Task<PurifierHost> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("pipeline-purifier-host-").FullName;
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(root,
            ("Pipeline:ResumeAtStart", "false"), ("Pipeline:Bus:RetryIntervalsMs", ""), ("Pipeline:Bus:RedeliveryIntervalsSeconds", ""),
            ("Logging:LogLevel:Default", "Warning"))), new PurifierModule(), new LedgerModule());
        await app.StartAsync();

        var synth = Path.Combine(root, "synth");
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 8, PerIdentity = 10, ClosedNoise = 0.25, HoldoutIdentities = 0, Seed = 5 })
            .Generate(synth, null, default);
        var packed = Path.Combine(root, "packed");
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(synth, "train")),
            new PackOptions { DatasetId = DatasetId, ImageSize = 64, ShardSize = Samples / Shards }, DatasetFiles.WriterFor(packed));
        var blobs = app.Services.GetRequiredService<IBlobStore>();
        foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
            await blobs.UploadFileAsync(BlobContainers.Datasets, $"{DatasetId}/{Path.GetFileName(f)}", f);
        var set = DatasetLoader.Load(packed);
        var model = FaceTrainer.Train(set, new TrainingOptions { SubCenters = 3, Epochs = 2, BatchSize = 16, Device = "cpu" }).Model;
        var modelDir = Path.Combine(root, "model");
        model.Save(modelDir);

        var host = new PurifierHost(app, root, modelDir, set, model);
        host.Probe.Connect(host.Bus);
        return host;
    }

    /// <summary>The trained model, where the Trainer puts run <paramref name="runId"/>'s sub-center model; the ModelTrained it publishes.</summary>
    public async Task<ModelTrained> TrainedAsync(string runId, RunPlan? plan = null)
    {
        var folder = BlobPaths.ModelFolder(runId, Stages.SubCenter) + "final/";
        foreach (var f in Directory.GetFiles(_modelDir)) await Blobs.UploadFileAsync(BlobContainers.Models, folder + Path.GetFileName(f), f);
        return new ModelTrained(runId, plan ?? RunPlan.Default, Stages.SubCenter, new ModelRef(runId, Stages.SubCenter, folder), Dataset, 3,
            new TrainingMetrics(2, 0, 0), DateTimeOffset.UtcNow);
    }

    /// <summary>Shard <paramref name="shard"/>'s message of a run whose model <see cref="TrainedAsync"/> stored.</summary>
    public static PurifyShard Shard(ModelTrained trained, int shard) =>
        new(trained.RunId, trained.Plan, trained.Model, trained.TrainedOn, shard, Shards);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Model.Dispose();
        Set.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }
}

/// <summary>One Purifier, one set and one trained model for every test: training is the slow part.</summary>
public sealed class PurifierFixture : IAsyncLifetime
{
    public PurifierHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await PurifierHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PurifierCollection : ICollectionFixture<PurifierFixture>
{
    public const string Name = "purifier";
}
