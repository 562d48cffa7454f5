using MassTransit;
using Pipeline.Infra.Blobs;

namespace Pipeline.Artifacts;

/// <summary>
/// One run's step split into a message per shard of a dataset (<see cref="ScatterAsync{TShard}"/>) and ended at a barrier
/// (<see cref="CompleteShardAsync{TOutcome}"/>): each shard stores one result blob under <see cref="ResultsPrefix"/>; the
/// shard message that finds all of them there and wins the claim at <see cref="ClaimPath"/> does the whole-set step,
/// exactly once across instances, and stores its outcome at <see cref="OutcomePath"/>; from then on every shard message,
/// a redelivery included, gets that stored outcome to publish again (a crash between storing and publishing is repaired).
/// The claim belongs to the shard's message, not to the process that holds it: a retry or a redelivery of the same message
/// (here or on another instance) takes its own claim back, and a finisher that died leaves a claim that lapses after
/// <see cref="ClaimTtl"/>; so two deliveries of one shard's message at the same time share the claim and may both finish.
/// </summary>
/// <param name="Stage">The step's stage name: with the run and the shard, the claim's owner.</param>
public sealed record ShardedStep(string Stage, string RunId, int Shards, string Container, string ResultsPrefix, string ClaimPath, string OutcomePath)
{
    public static readonly TimeSpan DefaultClaimTtl = TimeSpan.FromMinutes(10);

    public TimeSpan ClaimTtl { get; init; } = DefaultClaimTtl;

    /// <summary>The claim owner of shard <paramref name="shard"/>'s message.</summary>
    public string Owner(int shard) => $"{Stage}:{RunId}:shard-{shard}";

    /// <summary>Publishes <paramref name="shardMessage"/>(shard, shards) for every shard of the dataset.</summary>
    public static async Task ScatterAsync<TShard>(ArtifactStore store, string datasetId, IPublishEndpoint bus, Func<int, int, TShard> shardMessage,
        CancellationToken ct) where TShard : class
    {
        var manifest = await store.ReadManifestAsync(datasetId, ct);
        int shards = manifest.Shards.Count;
        for (int i = 0; i < shards; i++)
            await bus.Publish(shardMessage(i, shards), ct);
    }

    /// <summary>
    /// One shard message's part: its result, by <paramref name="storeResult"/> (which writes <paramref name="resultPath"/>, under
    /// <see cref="ResultsPrefix"/>) unless a delivery before stored it; then the outcome to publish: the stored one, or, when every
    /// shard's result is in and this message wins the claim, <paramref name="finish"/>'s, stored. Null while a result is missing
    /// or another message holds the claim (that one publishes).
    /// </summary>
    public async Task<TOutcome?> CompleteShardAsync<TOutcome>(ArtifactStore store, int shard, string resultPath, Func<Task> storeResult,
        Func<Task<TOutcome>> finish, CancellationToken ct) where TOutcome : class
    {
        if (await store.GetJsonAsync<TOutcome>(Container, OutcomePath, ct) is { } stored) return stored;
        if (!await store.Blobs.ExistsAsync(Container, resultPath, ct)) await storeResult();
        var done = await store.Blobs.ListAsync(Container, ResultsPrefix, ct);
        if (done.Count < Shards) return null;
        var claim = await store.Blobs.TryClaimAsync(Container, ClaimPath, Owner(shard), ClaimTtl, ct);
        if (claim is null) return null;
        // A finisher before this one may have stored the outcome and given the claim back.
        var outcome = await store.GetJsonAsync<TOutcome>(Container, OutcomePath, ct);
        if (outcome is null)
        {
            outcome = await finish();
            await store.PutJsonAsync(Container, OutcomePath, outcome, ct);
        }
        // Once the outcome is stored every later message reads it, so a finished step leaves no claim behind.
        await store.Blobs.ReleaseClaimAsync(claim, ct);
        return outcome;
    }
}
