using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Polly;

namespace Pipeline.Infra.Blobs;

/// <summary>
/// Blob store on Azure Blob Storage (or Azurite). Uploads are block blobs committed at the end, so a partial
/// write is never visible. Claims are conditional writes of a marker blob (If-None-Match: * to create,
/// If-Match: etag to renew or take over an expired one), so exactly one of many claimers wins.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobServiceClient _service;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, bool> _created = new();

    public AzureBlobStore(string connectionString, ResiliencePipeline? pipeline = null, TimeProvider? time = null)
        : this(new BlobServiceClient(connectionString, ClientOptions()), pipeline, time)
    {
    }

    public AzureBlobStore(BlobServiceClient service, ResiliencePipeline? pipeline = null, TimeProvider? time = null)
    {
        _service = service;
        _pipeline = pipeline ?? ResiliencePipeline.Empty;
        _time = time ?? TimeProvider.System;
    }

    // Polly owns retries and timeouts; the SDK's own retry would multiply attempts and hide failures from the breaker.
    private static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        return options;
    }

    public async Task<bool> PutAsync(string container, string path, Stream content, bool overwrite = true, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        await EnsureContainerAsync(container, ct);
        var blob = _service.GetBlobContainerClient(container).GetBlobClient(path);
        var source = await Seekable.EnsureAsync(content, ct);
        var start = source.Position;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                source.Position = start;
                var options = new BlobUploadOptions
                {
                    Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
                };
                try
                {
                    await blob.UploadAsync(source, options, token);
                    return true;
                }
                catch (RequestFailedException e) when (!overwrite && e.Status is 409 or 412)
                {
                    return false;
                }
            }, ct);
        }
        finally
        {
            if (!ReferenceEquals(source, content)) await source.DisposeAsync();
        }
    }

    public async Task<Stream?> GetAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var blob = _service.GetBlobContainerClient(container).GetBlobClient(path);
        return await _pipeline.ExecuteAsync<Stream?>(async token =>
        {
            try
            {
                var result = await blob.DownloadStreamingAsync(cancellationToken: token);
                return result.Value.Content;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, ct);
    }

    public async Task<bool> ExistsAsync(string container, string path, CancellationToken ct = default) =>
        await GetInfoAsync(container, path, ct) is not null;

    public async Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var blob = _service.GetBlobContainerClient(container).GetBlobClient(path);
        return await _pipeline.ExecuteAsync<BlobEntry?>(async token =>
        {
            try
            {
                var p = (await blob.GetPropertiesAsync(cancellationToken: token)).Value;
                return new BlobEntry(path, p.ContentLength, p.LastModified, p.ETag.ToString());
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, ct);
    }

    public async Task<IReadOnlyList<BlobEntry>> ListAsync(string container, string prefix = "", CancellationToken ct = default)
    {
        BlobNames.CheckPrefix(container, prefix);
        var client = _service.GetBlobContainerClient(container);
        return await _pipeline.ExecuteAsync<IReadOnlyList<BlobEntry>>(async token =>
        {
            var entries = new List<BlobEntry>();
            try
            {
                await foreach (var item in client.GetBlobsAsync(new GetBlobsOptions { Prefix = NullIfEmpty(prefix) }, token))
                {
                    var p = item.Properties;
                    entries.Add(new BlobEntry(item.Name, p.ContentLength ?? 0, p.LastModified ?? default, p.ETag?.ToString() ?? ""));
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return [];
            }
            entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return entries;
        }, ct);
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix = "", CancellationToken ct = default)
    {
        BlobNames.CheckPrefix(container, prefix);
        if (prefix.Length > 0 && !prefix.EndsWith('/'))
            throw new ArgumentException($"{container}/{prefix}: a folder prefix is empty or ends with '/'", nameof(prefix));
        var client = _service.GetBlobContainerClient(container);
        return await _pipeline.ExecuteAsync<IReadOnlyList<string>>(async token =>
        {
            var names = new List<string>();
            try
            {
                await foreach (var item in client.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", NullIfEmpty(prefix), token))
                {
                    if (item.IsPrefix) names.Add(item.Prefix[prefix.Length..].TrimEnd('/'));
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return [];
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }, ct);
    }

    public async Task<bool> DeleteAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var blob = _service.GetBlobContainerClient(container).GetBlobClient(path);
        return await _pipeline.ExecuteAsync(async token =>
        {
            try
            {
                return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: token)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return false;
            }
        }, ct);
    }

    public async Task<BlobClaim?> TryClaimAsync(string container, string path, string owner, TimeSpan ttl, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        await EnsureContainerAsync(container, ct);
        var blob = _service.GetBlobContainerClient(container).GetBlobClient(path);
        // Each pass reads the marker and tries one conditional write; losing a race re-reads (bounded).
        for (var pass = 0; pass < 8; pass++)
        {
            var current = await ReadMarkerAsync(blob, ct);
            var now = _time.GetUtcNow();
            BlobRequestConditions condition;
            if (current is null)
            {
                condition = new BlobRequestConditions { IfNoneMatch = ETag.All };
            }
            else
            {
                var (held, etag) = current.Value;
                if (held.Owner != owner && !held.IsExpired(now)) return null;
                condition = new BlobRequestConditions { IfMatch = etag };
            }
            var marker = ClaimMarker.Create(owner, ttl, now);
            var written = await _pipeline.ExecuteAsync<ETag?>(async token =>
            {
                try
                {
                    var info = await blob.UploadAsync(new BinaryData(marker.ToBytes()), new BlobUploadOptions { Conditions = condition }, token);
                    return info.Value.ETag;
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    return null; // someone else wrote the marker first
                }
            }, ct);
            if (written is { } tag) return new BlobClaim(container, path, owner, marker.ExpiresAt, tag.ToString());
        }
        return null;
    }

    public async Task<bool> ReleaseClaimAsync(BlobClaim claim, CancellationToken ct = default)
    {
        BlobNames.CheckPath(claim.Container, claim.Path);
        var blob = _service.GetBlobContainerClient(claim.Container).GetBlobClient(claim.Path);
        if (await ReadMarkerAsync(blob, ct) is not var (held, etag) || held.Owner != claim.Owner) return false;
        return await _pipeline.ExecuteAsync(async token =>
        {
            try
            {
                var conditions = new BlobRequestConditions { IfMatch = etag };
                return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, token)).Value;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                return false;
            }
        }, ct);
    }

    private async Task<(ClaimMarker Marker, ETag ETag)?> ReadMarkerAsync(BlobClient blob, CancellationToken ct) =>
        await _pipeline.ExecuteAsync<(ClaimMarker, ETag)?>(async token =>
        {
            try
            {
                var result = (await blob.DownloadContentAsync(token)).Value;
                return (ClaimMarker.Parse(result.Content.ToArray()), result.Details.ETag);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, ct);

    private async Task EnsureContainerAsync(string container, CancellationToken ct)
    {
        BlobNames.CheckContainer(container);
        if (_created.ContainsKey(container)) return;
        await _pipeline.ExecuteAsync(
            async token => await _service.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: token), ct);
        _created.TryAdd(container, true);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
