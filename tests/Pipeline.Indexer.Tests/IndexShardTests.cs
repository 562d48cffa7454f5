using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer.Tests;

/// <summary>
/// The Indexer's sharded step on the hosted Indexer: a final model's dataset is embedded shard by shard into the run's
/// collection and published once, and a shard delivered again afterwards publishes the stored outcome, building nothing.
/// </summary>
[Collection(IndexerCollection.Name)]
public sealed class IndexShardTests(IndexerFixture fixture)
{
    private const string RunId = "r-shards", DatasetId = "ds-shards", Alias = "faces-shard-test";
    private const int Shards = 4, Samples = 20;

    private IndexerHost Host => fixture.Host;

    private static string Json(object value) => JsonSerializer.Serialize(value, PipelineJson.Options);

    /// <summary>A packed set of <see cref="Shards"/> shards, and the host's tiny model as run <see cref="RunId"/>'s final model.</summary>
    internal static async Task<ModelTrained> TrainedAsync(IBlobStore blobs, string runId = RunId, string quantization = IndexQuantizations.None,
        string datasetId = DatasetId, int imageSize = 64)
    {
        var tmp = Directory.CreateTempSubdirectory("indexer-shards-").FullName;
        try
        {
            new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 4, PerIdentity = Samples / 4, HoldoutIdentities = 0, Seed = 4 })
                .Generate(Path.Combine(tmp, "synth"), null, default);
            var packed = Path.Combine(tmp, "packed");
            DatasetPacker.Pack(DatasetSource.Open(Path.Combine(tmp, "synth", "train")),
                new PackOptions { DatasetId = datasetId, ImageSize = imageSize, ShardSize = Samples / Shards }, DatasetFiles.WriterFor(packed));
            foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
                await blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{Path.GetFileName(f)}", f);
        }
        finally { Directory.Delete(tmp, true); }
        var folder = BlobPaths.TrainedModel(runId, Stages.Final);
        var tiny = BlobPaths.TrainedModel(IndexerHost.Run, Stages.Final);
        foreach (var entry in await blobs.ListAsync(BlobContainers.Models, tiny))
            await using (var s = (await blobs.GetAsync(BlobContainers.Models, entry.Path))!)
                await blobs.PutAsync(BlobContainers.Models, folder + entry.Path[tiny.Length..], s);
        return new ModelTrained(runId, RunPlan.Default with { IndexAlias = Alias, IndexQuantization = quantization }, Stages.Final, new ModelRef(runId, Stages.Final, folder),
            new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)), 1, new TrainingMetrics(1, 0, 0), DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_final_model_is_indexed_shard_by_shard_and_published_once_and_a_later_shard_publishes_the_stored_outcome()
    {
        var blobs = Host.App.Services.GetRequiredService<IBlobStore>();
        var bus = Host.App.Services.GetRequiredService<IBus>();
        var probe = new BusProbe<IndexShard>("index-shard", m => m.RunId).Connect(bus);
        var trained = await TrainedAsync(blobs);

        await bus.Publish(trained);
        await probe.HandledAsync(RunId, Shards);

        var published = Assert.Single(probe.Published<IndexPublished>(p => p.RunId == RunId));
        Assert.Equal(Samples, published.Points);
        Assert.Equal(Samples, await Host.Index.CountAsync(IndexNames.Collection(RunId)));
        Assert.Equal(Shards, (await blobs.ListAsync(BlobContainers.Models, IndexNames.ShardSumsPrefix(RunId))).Count);
        Assert.False(await blobs.ExistsAsync(BlobContainers.Models, IndexNames.PublishClaim(RunId)), "a published index leaves its claim behind");
        var stored = await blobs.GetInfoAsync(BlobContainers.Models, IndexNames.Published(RunId));
        Assert.NotNull(stored);

        await bus.Publish(new IndexShard(RunId, trained.Plan, trained.Model, trained.TrainedOn, 1, Shards));
        await probe.HandledAsync(RunId, Shards + 1);

        var again = probe.Published<IndexPublished>(p => p.RunId == RunId);
        Assert.Equal(2, again.Count);
        Assert.Equal(Json(published), Json(again[1]));
        Assert.Equal(stored.ETag, (await blobs.GetInfoAsync(BlobContainers.Models, IndexNames.Published(RunId)))!.ETag);
        Assert.Equal(Samples, await Host.Index.CountAsync(IndexNames.Collection(RunId)));
    }

    [Fact]
    public async Task A_plan_that_asks_for_int8_gets_a_quantised_collection_whose_scores_are_still_exact()
    {
        const string run = "r-shards-int8";
        var blobs = Host.App.Services.GetRequiredService<IBlobStore>();
        var bus = Host.App.Services.GetRequiredService<IBus>();
        var probe = new BusProbe<IndexShard>("index-shard", m => m.RunId).Connect(bus);
        var trained = await TrainedAsync(blobs, run, IndexQuantizations.Int8);

        await bus.Publish(trained);
        await probe.HandledAsync(run, Shards);

        var collection = IndexNames.Collection(run);
        Assert.Equal(VectorQuantization.Int8, await Host.Index.QuantizationAsync(collection));
        Assert.Equal(Samples, await Host.Index.CountAsync(collection));
        // A stored point searched for by its own vector comes back first with cosine 1: re-scored from float32.
        var stored = (await Host.Index.RetrieveAsync(collection, [(await Host.Index.SearchAsync(collection, [Enumerable.Repeat(1f / MathF.Sqrt(512), 512).ToArray()], 1))[0][0].Id]))[0];
        var hit = (await Host.Index.SearchAsync(collection, [stored.Vector], 1))[0][0];
        Assert.Equal(stored.Id, hit.Id);
        Assert.Equal(1.0, hit.Score, 5);
    }
}
