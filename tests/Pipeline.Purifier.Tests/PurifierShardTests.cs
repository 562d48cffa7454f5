using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;

namespace Pipeline.Purifier.Tests;

/// <summary>
/// The Purifier's sharded step on real components (its consumers, the in-memory bus, a local blob store, a trained
/// model): a trained model is purified shard by shard into exactly one decision, redeliveries before and after the
/// decision change nothing, the embeddings are gone once decided, and a decision that fails fails the purify stage.
/// </summary>
[Collection(PurifierCollection.Name)]
public sealed class PurifierShardTests(PurifierFixture fixture)
{
    private PurifierHost Host => fixture.Host;

    private Task<BlobEntry?> Info(string path) => Host.Blobs.GetInfoAsync(BlobContainers.Datasets, path);

    private Task<IReadOnlyList<BlobEntry>> List(string runId, string folder) =>
        Host.Blobs.ListAsync(BlobContainers.Datasets, BlobPaths.PurifiedFolder(PurifierHost.DatasetId, runId) + folder);

    private static string Json(object value) => JsonSerializer.Serialize(value, PipelineJson.Options);

    /// <summary>Publishes the run's ModelTrained and waits until every shard it scatters is handled: the decision published once.</summary>
    private async Task<DatasetPurified> PurifiedAsync(string runId)
    {
        await Host.Bus.Publish(await Host.TrainedAsync(runId));
        await Host.Probe.HandledAsync(runId, PurifierHost.Shards);
        return Assert.Single(Host.Probe.Published<DatasetPurified>(m => m.RunId == runId));
    }

    [Fact]
    public async Task A_trained_model_is_scored_shard_by_shard_and_decided_once_and_its_embeddings_are_deleted()
    {
        const string runId = "r-scatter";
        var purified = await PurifiedAsync(runId);

        Assert.Equal(PurifierHost.Samples, purified.Kept + purified.Dropped);
        Assert.Equal(PurifierHost.Shards, (await List(runId, "cosines/")).Count);
        Assert.NotNull(await Info(BlobPaths.PurifiedReport(PurifierHost.DatasetId, runId)));
        Assert.NotNull(await Info(BlobPaths.PurifiedManifest(PurifierHost.DatasetId, runId)));
        Assert.Equal(Json(purified), Json((await Host.Store.GetJsonAsync<DatasetPurified>(BlobContainers.Datasets,
            PurifyShardConsumer.EventPath(PurifierHost.DatasetId, runId), default))!));
        // The class-margin score (the default) stored every shard's embeddings for the class means: they went with the decision.
        Assert.Empty(await List(runId, "embeddings/"));
        Assert.Null(await Info(BlobPaths.PurifiedFolder(PurifierHost.DatasetId, runId) + "_DECIDING"));
        Assert.Empty(Host.Probe.Published<StageFailed>(m => m.RunId == runId));
    }

    [Fact]
    public async Task A_shard_redelivered_after_the_decision_publishes_the_stored_decision_again_and_does_not_decide_again()
    {
        const string runId = "r-after";
        var first = await PurifiedAsync(runId);
        var report = await Info(BlobPaths.PurifiedReport(PurifierHost.DatasetId, runId));
        var cosines = await Info(ShardCosines.PathFor(PurifierHost.DatasetId, runId, 2));

        await Host.Bus.Publish(PurifierHost.Shard(await Host.TrainedAsync(runId), 2));
        await Host.Probe.HandledAsync(runId, PurifierHost.Shards + 1);

        var published = Host.Probe.Published<DatasetPurified>(m => m.RunId == runId);
        Assert.Equal(2, published.Count);
        Assert.Equal(Json(first), Json(published[1]));
        Assert.Equal(report!.ETag, (await Info(BlobPaths.PurifiedReport(PurifierHost.DatasetId, runId)))!.ETag);
        Assert.Equal(cosines!.ETag, (await Info(ShardCosines.PathFor(PurifierHost.DatasetId, runId, 2)))!.ETag);
    }

    [Fact]
    public async Task A_shard_redelivered_before_all_are_in_is_not_scored_again_and_nothing_is_decided_until_the_last_shard()
    {
        const string runId = "r-before";
        var trained = await Host.TrainedAsync(runId);
        await Host.Bus.Publish(PurifierHost.Shard(trained, 0));
        await Host.Probe.HandledAsync(runId, 1);
        var scored = await Info(ShardCosines.PathFor(PurifierHost.DatasetId, runId, 0));
        Assert.NotNull(scored);
        Assert.NotNull(await Info(ShardCosines.EmbeddingsPathFor(PurifierHost.DatasetId, runId, 0)));

        await Host.Bus.Publish(PurifierHost.Shard(trained, 0));
        await Host.Probe.HandledAsync(runId, 2);

        Assert.Equal(scored.ETag, (await Info(ShardCosines.PathFor(PurifierHost.DatasetId, runId, 0)))!.ETag);
        Assert.Empty(Host.Probe.Published<DatasetPurified>(m => m.RunId == runId));
        Assert.Null(await Info(PurifyShardConsumer.EventPath(PurifierHost.DatasetId, runId)));
        Assert.Null(await Info(BlobPaths.PurifiedReport(PurifierHost.DatasetId, runId)));
        Assert.Null(await Info(BlobPaths.PurifiedFolder(PurifierHost.DatasetId, runId) + "_DECIDING"));

        for (int shard = 1; shard < PurifierHost.Shards; shard++) await Host.Bus.Publish(PurifierHost.Shard(trained, shard));
        await Host.Probe.HandledAsync(runId, PurifierHost.Shards + 1);
        var purified = Assert.Single(Host.Probe.Published<DatasetPurified>(m => m.RunId == runId));
        Assert.Equal(PurifierHost.Samples, purified.Kept + purified.Dropped);
        Assert.Empty(await List(runId, "embeddings/"));
    }

    [Fact]
    public async Task A_decision_that_fails_fails_the_purify_stage_and_publishes_no_decision()
    {
        const string runId = "r-fault";
        // Shard 0's stored scores are unreadable: its delivery counts them as in, and the decision reads them.
        await Host.Blobs.PutAsync(BlobContainers.Datasets, ShardCosines.PathFor(PurifierHost.DatasetId, runId, 0), new MemoryStream("{ not json"u8.ToArray()));

        await Host.Bus.Publish(await Host.TrainedAsync(runId));

        var failed = await Host.Probe.NextAsync<StageFailed>(f => f.RunId == runId);
        Assert.Equal(Stages.Purify, failed.Stage);
        Assert.Contains("JsonException", failed.Reason);
        await Host.Probe.HandledAsync(runId, PurifierHost.Shards);
        Assert.Empty(Host.Probe.Published<DatasetPurified>(m => m.RunId == runId));
        Assert.Null(await Info(PurifyShardConsumer.EventPath(PurifierHost.DatasetId, runId)));
    }
}
