using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Messaging;

namespace Pipeline.Trainer.Tests;

/// <summary>The sequencer queues the training stages each event feeds, on the embedded bus: K sub-centers for the sub-center stage, 1 for the others.</summary>
public sealed class StageSequencerTests : IAsyncLifetime
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-sequencer-").FullName;
    private readonly Queued _queued = new();
    private ServiceProvider _provider = null!;
    private IBusControl _bus = null!;
    private static readonly DatasetRef Raw = new("celebs", BlobPaths.DatasetManifest("celebs"));

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(_queued)
            .AddSingleton<IBlobStore>(new LocalFolderBlobStore(Path.Combine(_tmp, "blobs")));
        services.AddPipelineBus(new PipelineOptions { Bus = new BusOptions { RetryIntervalsMs = [], RedeliveryIntervalsSeconds = [] } }, x =>
        {
            x.AddConsumer<StageSequencer>();
            x.AddConsumer<QueuedProbe>();
        });
        _provider = services.BuildServiceProvider();
        _bus = _provider.GetRequiredService<IBusControl>();
        await _bus.StartAsync();
    }

    [Fact]
    public async Task An_ingested_set_queues_sub_centers_and_the_planned_baseline_and_a_purified_one_the_final_stage()
    {
        var plan = RunPlan.Default with { SubCenters = 4, Baseline = true };
        await _bus.Publish(new DatasetIngested("r-ingested", plan, Raw, 80, 8, 0, DateTimeOffset.UtcNow));
        await _bus.Publish(new DatasetIngested("r-plain", RunPlan.Default, Raw, 80, 8, 0, DateTimeOffset.UtcNow));
        var keep = new DatasetRef("celebs", "celebs/purified-r-purified/manifest.json");
        await _bus.Publish(new DatasetPurified("r-purified", plan, keep, "report.json", 70, 10, 0.5, DateTimeOffset.UtcNow));
        await Blob(BlobContainers.Datasets, Raw.ManifestPath);
        var retrain = new RetrainRequested("req-1", "celebs", plan, "test", DateTimeOffset.UtcNow);
        await _bus.Publish(retrain);

        Assert.Equal([(Stages.SubCenter, 4, Raw), (Stages.Baseline, 1, Raw)], await _queued.ForAsync("r-ingested", 2));
        Assert.Equal([(Stages.SubCenter, RunPlan.Default.SubCenters, Raw)], await _queued.ForAsync("r-plain", 1));
        Assert.Equal([(Stages.Final, 1, keep)], await _queued.ForAsync("r-purified", 1));
        Assert.Equal([(Stages.SubCenter, 4, Raw), (Stages.Baseline, 1, Raw)], await _queued.ForAsync(retrain.RunId, 2));
    }

    private Task Blob(string container, string path) =>
        _provider.GetRequiredService<IBlobStore>().PutTextAsync(container, path, "{}");

    public sealed class Queued
    {
        public ConcurrentQueue<TrainModel> Jobs { get; } = new();

        /// <summary>The stages queued for a run, once <paramref name="count"/> have been (and a moment for any extra one).</summary>
        public async Task<List<(string, int, DatasetRef)>> ForAsync(string runId, int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Jobs.Count(j => j.RunId == runId) < count && DateTime.UtcNow < deadline) await Task.Delay(25);
            await Task.Delay(100);
            return Jobs.Where(j => j.RunId == runId).Select(j => (j.Stage, j.SubCenters, j.Dataset)).OrderBy(j => j.Stage == Stages.Baseline).ToList();
        }
    }

    public sealed class QueuedProbe(Queued queued) : IConsumer<TrainModel>
    {
        public Task Consume(ConsumeContext<TrainModel> context)
        {
            queued.Jobs.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        await _provider.DisposeAsync();
        Directory.Delete(_tmp, recursive: true);
    }
}
