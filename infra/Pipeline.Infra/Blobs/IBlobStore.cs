namespace Pipeline.Infra.Blobs;

/// <summary>
/// Containers hold blobs addressed by '/'-separated paths ("drops", "celebs/a.jpg").
/// Containers are created on first write. Implementations retry transient failures (Polly "blob" pipeline).
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Writes a blob; readers never see a partial write. With overwrite false an existing blob is kept.
    /// Returns true when written, false when it existed and overwrite was false.
    /// A non-seekable stream is buffered in memory so that it can be retried.
    /// </summary>
    Task<bool> PutAsync(string container, string path, Stream content, bool overwrite = true, CancellationToken ct = default);

    /// <summary>Opens a blob for reading (caller disposes), or null when it does not exist.</summary>
    Task<Stream?> GetAsync(string container, string path, CancellationToken ct = default);

    Task<bool> ExistsAsync(string container, string path, CancellationToken ct = default);

    /// <summary>Metadata of one blob, or null when it does not exist.</summary>
    Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default);

    /// <summary>All blobs whose path starts with prefix (plain string prefix), ordered by path.</summary>
    Task<IReadOnlyList<BlobEntry>> ListAsync(string container, string prefix = "", CancellationToken ct = default);

    /// <summary>
    /// Names of the immediate "folders" under prefix (a prefix ending in '/' or empty), e.g. the drops in
    /// container "drops". Returned without the prefix and without the trailing '/', ordered.
    /// </summary>
    Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix = "", CancellationToken ct = default);

    /// <summary>
    /// The blob's own file, when the store keeps blobs as files on this machine and the blob exists, so a
    /// reader may map it in place rather than copy it; null otherwise (a remote store). The file is replaced,
    /// never rewritten, when the blob is: a mapping of it stays intact.
    /// </summary>
    string? LocalFile(string container, string path) => null;

    /// <summary>Deletes a blob; true when it existed.</summary>
    Task<bool> DeleteAsync(string container, string path, CancellationToken ct = default);

    /// <summary>
    /// Claims the marker blob at path for owner, atomically across processes: of many concurrent
    /// claimers exactly one gets a <see cref="BlobClaim"/>, the others null. The same owner claiming
    /// again renews its claim. A claim not renewed within ttl expires and may be taken by another owner
    /// (so a crashed worker's job is picked up again); use <see cref="Timeout.InfiniteTimeSpan"/> for a
    /// claim that never expires.
    /// </summary>
    Task<BlobClaim?> TryClaimAsync(string container, string path, string owner, TimeSpan ttl, CancellationToken ct = default);

    /// <summary>Removes the marker if the claim is still held by its owner; true when removed.</summary>
    Task<bool> ReleaseClaimAsync(BlobClaim claim, CancellationToken ct = default);
}

/// <summary>One blob's metadata. ETag changes on every write.</summary>
public sealed record BlobEntry(string Path, long Size, DateTimeOffset LastModified, string ETag);

/// <summary>A held claim: the marker blob and when it lapses unless renewed.</summary>
public sealed record BlobClaim(string Container, string Path, string Owner, DateTimeOffset ExpiresAt, string ETag);
