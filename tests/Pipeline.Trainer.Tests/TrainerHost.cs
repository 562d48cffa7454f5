using System.Threading.Channels;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;
using Pipeline.ServiceDefaults;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The Trainer's module hosted in-process as the service runs it (in-memory bus, local-folder blob store, its
/// worker), its blob store wrapped in <see cref="FaultyBlobStore"/>, and the outcomes it publishes collected.
/// </summary>
public sealed class TrainerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TrainerHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;
    public FaultyBlobStore Blobs => Services.GetRequiredService<FaultyBlobStore>();
    public ArtifactStore Store => Services.GetRequiredService<ArtifactStore>();
    public IBus Bus => Services.GetRequiredService<IBus>();
    public Outcomes Outcomes => Services.GetRequiredService<Outcomes>();

    public static async Task<TrainerHost> StartAsync(string root, Action<FaultyBlobStore>? faults = null, int divergenceRetries = 2)
    {
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(root,
            ("Pipeline:JobRescanSeconds", "1"), ("Pipeline:CheckpointEverySteps", "2"), ("Pipeline:ProgressIntervalSeconds", "0"),
            ("Pipeline:DivergenceRetries", divergenceRetries.ToString()))), new TrainerModule(), new ProbeModule(faults));
        await app.StartAsync();
        return new TrainerHost(app);
    }

    /// <summary>A small packed set of 8 identities, 10 images each, uploaded where ingestion puts it.</summary>
    public async Task<(DatasetRef Dataset, string PackedDir)> UploadDatasetAsync(string root, string datasetId = "ds")
    {
        var synth = Path.Combine(root, "synth");
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 8, PerIdentity = 10, HoldoutIdentities = 0, Seed = 3 })
            .Generate(synth, null, default);
        var packed = Path.Combine(root, "packed");
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(synth, "train")), new PackOptions { DatasetId = datasetId, ImageSize = 64, ShardSize = 40 },
            DatasetFiles.WriterFor(packed));
        foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
            await Blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{Path.GetFileName(f)}", f);
        return (new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)), packed);
    }

    /// <summary>A K=1 baseline stage of 2 epochs at batch 16 on the CPU: seconds of real training.</summary>
    public static TrainModel Job(string runId, DatasetRef dataset, double learningRate = 0.05) =>
        new(runId, RunPlan.Default with { Epochs = 2, BatchSize = 16, LearningRate = learningRate, Device = "cpu", Baseline = true },
            Stages.Baseline, dataset, 1, DateTimeOffset.UtcNow);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Wraps the configured blob store and collects ModelTrained and StageFailed.</summary>
    private sealed class ProbeModule(Action<FaultyBlobStore>? faults) : ServiceModule
    {
        public override string Name => "probe";

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            // Registered after infra's store, so every component resolves the wrapper.
            services.AddSingleton(sp =>
            {
                var store = new FaultyBlobStore(PipelineInfra.CreateBlobStore(sp.GetRequiredService<PipelineOptions>(), sp.GetRequiredService<ResiliencePipelines>()));
                faults?.Invoke(store);
                return store;
            });
            services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<FaultyBlobStore>());
            services.AddSingleton<Outcomes>();
        }

        public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddConsumer<OutcomeConsumer>();
    }
}

/// <summary>The stage outcomes published on the bus, in order.</summary>
public sealed class Outcomes
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>();

    public void Add(object e) => _events.Writer.TryWrite(e);

    /// <summary>The next ModelTrained or StageFailed; fails the test after <paramref name="minutes"/> without one.</summary>
    public async Task<object> NextAsync(double minutes = 3)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        try { return await _events.Reader.ReadAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"no ModelTrained or StageFailed within {minutes} min"); }
    }

    public async Task<ModelTrained> TrainedAsync(double minutes = 3)
    {
        var e = await NextAsync(minutes);
        return e as ModelTrained ?? throw new Xunit.Sdk.XunitException($"expected ModelTrained, got {e.GetType().Name}: {(e as StageFailed)?.Reason}");
    }
}

public sealed class OutcomeConsumer(Outcomes outcomes) : IConsumer<ModelTrained>, IConsumer<StageFailed>
{
    public Task Consume(ConsumeContext<ModelTrained> context)
    {
        outcomes.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<StageFailed> context)
    {
        outcomes.Add(context.Message);
        return Task.CompletedTask;
    }
}
