using Pipeline.Infra.Blobs;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The end of a sharded job: each shard writes one result blob under a prefix; the consumer that
/// finds all of them there and wins the claim does the whole-set step, exactly once across
/// instances (a crashed finisher's claim expires, and a redelivered shard finishes the job).
/// </summary>
public static class ShardBarrier
{
    public static async Task<BlobClaim?> TryFinishAsync(IBlobStore blobs, string container, string resultsPrefix, int shards,
        string claimPath, string owner, CancellationToken ct)
    {
        var done = await blobs.ListAsync(container, resultsPrefix, ct);
        if (done.Count < shards) return null;
        return await blobs.TryClaimAsync(container, claimPath, owner, TimeSpan.FromMinutes(10), ct);
    }
}
