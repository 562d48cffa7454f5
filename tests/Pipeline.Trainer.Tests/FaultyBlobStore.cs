using Pipeline.Infra.Blobs;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The real blob store, except that the first <see cref="FailuresLeft"/> writes whose path contains
/// <see cref="FailWritesContaining"/> throw an IOException, as a store does once its own retries are spent.
/// Every write's path is recorded, and the last bytes written to each path. With <see cref="Remote"/> it hides
/// its local files, as a remote store does, so readers download; then the first <see cref="ReadFailuresLeft"/>
/// reads whose path contains <see cref="FailReadsContaining"/> throw an IOException too.
/// </summary>
public sealed class FaultyBlobStore(IBlobStore inner) : IBlobStore
{
    public string? FailWritesContaining { get; set; }
    public int FailuresLeft { get; set; }
    public int Failed { get; private set; }
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Written { get; } = new();

    public async Task<bool> PutAsync(string container, string path, Stream content, bool overwrite = true, CancellationToken ct = default)
    {
        lock (this)
            if (FailWritesContaining is { } part && path.Contains(part) && FailuresLeft > 0)
            {
                FailuresLeft--;
                Failed++;
                throw new IOException($"{container}/{path}: injected write failure (the store is unreachable)");
            }
        var copy = new MemoryStream();
        await content.CopyToAsync(copy, ct);
        Written[path] = copy.ToArray();
        copy.Position = 0;
        return await inner.PutAsync(container, path, copy, overwrite, ct);
    }

    public bool Remote { get; set; }
    public string? FailReadsContaining { get; set; }
    public int ReadFailuresLeft { get; set; }

    public Task<Stream?> GetAsync(string container, string path, CancellationToken ct = default)
    {
        lock (this)
            if (FailReadsContaining is { } part && path.Contains(part) && ReadFailuresLeft > 0)
            {
                ReadFailuresLeft--;
                Failed++;
                throw new IOException($"{container}/{path}: injected read failure (the store is unreachable)");
            }
        return inner.GetAsync(container, path, ct);
    }

    public Task<bool> ExistsAsync(string container, string path, CancellationToken ct = default) => inner.ExistsAsync(container, path, ct);
    public Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default) => inner.GetInfoAsync(container, path, ct);
    public Task<IReadOnlyList<BlobEntry>> ListAsync(string container, string prefix = "", CancellationToken ct = default) => inner.ListAsync(container, prefix, ct);
    public Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix = "", CancellationToken ct = default) => inner.ListFoldersAsync(container, prefix, ct);
    public string? LocalFile(string container, string path) => Remote ? null : inner.LocalFile(container, path);
    public Task<bool> DeleteAsync(string container, string path, CancellationToken ct = default) => inner.DeleteAsync(container, path, ct);
    public Task<BlobClaim?> TryClaimAsync(string container, string path, string owner, TimeSpan ttl, CancellationToken ct = default) =>
        inner.TryClaimAsync(container, path, owner, ttl, ct);
    public Task<bool> ReleaseClaimAsync(BlobClaim claim, CancellationToken ct = default) => inner.ReleaseClaimAsync(claim, ct);
}
