using Pipeline.Infra.Blobs;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The end of a sharded job: each shard writes one result blob under a prefix; the consumer that
/// finds all of them there and wins the claim does the whole-set step, exactly once across
/// instances. The claim belongs to the shard's message, not to the process that holds it: a retry or
/// a redelivery of the same message (here or on another instance) takes its own claim back and
/// finishes the step, and a finisher that died leaves a claim that lapses after <see cref="ClaimTtl"/>.
/// </summary>
public static class ShardBarrier
{
    public static readonly TimeSpan ClaimTtl = TimeSpan.FromMinutes(10);

    /// <summary>The claim owner of shard <paramref name="shard"/>'s message of a run's sharded step.</summary>
    public static string Owner(string step, string runId, int shard) => $"{step}:{runId}:shard-{shard}";

    public static async Task<BlobClaim?> TryFinishAsync(IBlobStore blobs, string container, string resultsPrefix, int shards,
        string claimPath, string owner, CancellationToken ct)
    {
        var done = await blobs.ListAsync(container, resultsPrefix, ct);
        if (done.Count < shards) return null;
        return await blobs.TryClaimAsync(container, claimPath, owner, ClaimTtl, ct);
    }

    /// <summary>
    /// The whole-set step's outcome, once, under the claim: the one stored at <paramref name="outcomePath"/> (a finisher
    /// before this one stored it and gave the claim back), else <paramref name="finish"/>'s, stored there. The claim is
    /// then given back: once the outcome is stored every later message reads it, so a finished step leaves no claim behind.
    /// </summary>
    public static async Task<T> OutcomeAsync<T>(ArtifactStore store, BlobClaim claim, string outcomePath, Func<Task<T>> finish, CancellationToken ct)
    {
        var outcome = await store.GetJsonAsync<T>(claim.Container, outcomePath, ct);
        if (outcome is null)
        {
            outcome = await finish();
            await store.PutJsonAsync(claim.Container, outcomePath, outcome, ct);
        }
        await store.Blobs.ReleaseClaimAsync(claim, ct);
        return outcome;
    }
}
