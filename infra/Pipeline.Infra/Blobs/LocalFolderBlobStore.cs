using System.Security.Cryptography;
using System.Text;
using Pipeline.Infra.Resilience;
using Polly;

namespace Pipeline.Infra.Blobs;

/// <summary>
/// Blob store on a local folder: root/&lt;container&gt;/&lt;path&gt;. Writes go to root/.tmp and are renamed
/// into place, so readers see the old or the new blob, never a partial one. Claims are serialised with an
/// exclusive lock file (flock, so it holds across processes on this machine).
/// </summary>
public sealed class LocalFolderBlobStore : IBlobStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly string _tmp;
    private readonly string _locks;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;

    public LocalFolderBlobStore(string root, ResiliencePipeline? pipeline = null, TimeProvider? time = null)
    {
        _root = Path.GetFullPath(root);
        _tmp = Path.Combine(_root, ".tmp");
        _locks = Path.Combine(_root, ".locks");
        _pipeline = pipeline ?? ResiliencePipeline.Empty;
        _time = time ?? TimeProvider.System;
    }

    public string Root => _root;

    public async Task<bool> PutAsync(string container, string path, Stream content, bool overwrite = true, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var target = FilePath(container, path);
        var source = await Seekable.EnsureAsync(content, ct);
        var start = source.Position;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                if (!overwrite && File.Exists(target)) return false;
                source.Position = start;
                var temp = await WriteTempAsync(source, token);
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    try
                    {
                        File.Move(temp, target, overwrite); // rename: atomic; without overwrite it fails if target exists
                    }
                    catch (IOException) when (!overwrite && File.Exists(target))
                    {
                        return false;
                    }
                    return true;
                }
                finally
                {
                    File.Delete(temp); // no-op after a successful move
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
        var file = FilePath(container, path);
        return await _pipeline.ExecuteAsync<Stream?>(_ =>
        {
            try
            {
                // FileShare.Delete: a concurrent overwrite (rename) or delete must not fail because we read.
                return ValueTask.FromResult<Stream?>(new FileStream(file, FileMode.Open, FileAccess.Read,
                    FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return ValueTask.FromResult<Stream?>(null);
            }
        }, ct);
    }

    public async Task<bool> ExistsAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return await _pipeline.ExecuteAsync(_ => ValueTask.FromResult(File.Exists(file)), ct);
    }

    public async Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return await _pipeline.ExecuteAsync(_ =>
        {
            var info = new FileInfo(file);
            return ValueTask.FromResult(info.Exists ? Entry(path, info) : null);
        }, ct);
    }

    public async Task<IReadOnlyList<BlobEntry>> ListAsync(string container, string prefix = "", CancellationToken ct = default)
    {
        BlobNames.CheckPrefix(container, prefix);
        var containerDir = Path.Combine(_root, container);
        // Walk only the deepest folder the prefix names; the rest of the prefix filters file names.
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? containerDir : Path.Combine(containerDir, prefix[..slash]);
        return await _pipeline.ExecuteAsync<IReadOnlyList<BlobEntry>>(_ =>
        {
            if (!Directory.Exists(start)) return ValueTask.FromResult<IReadOnlyList<BlobEntry>>([]);
            var entries = new List<BlobEntry>();
            foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetRelativePath(containerDir, file).Replace(Path.DirectorySeparatorChar, '/');
                if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var info = new FileInfo(file);
                if (info.Exists) entries.Add(Entry(name, info));
            }
            entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return ValueTask.FromResult<IReadOnlyList<BlobEntry>>(entries);
        }, ct);
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix = "", CancellationToken ct = default)
    {
        BlobNames.CheckPrefix(container, prefix);
        if (prefix.Length > 0 && !prefix.EndsWith('/'))
            throw new ArgumentException($"{container}/{prefix}: a folder prefix is empty or ends with '/'", nameof(prefix));
        var dir = Path.Combine(_root, container, prefix.TrimEnd('/'));
        return await _pipeline.ExecuteAsync<IReadOnlyList<string>>(_ => ValueTask.FromResult<IReadOnlyList<string>>(Directory.Exists(dir)
            ? Directory.EnumerateDirectories(dir)
                .Where(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any()) // as in Azure: no empty folders
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : []), ct);
    }

    public async Task<bool> DeleteAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return await _pipeline.ExecuteAsync(_ =>
        {
            if (!File.Exists(file)) return ValueTask.FromResult(false);
            File.Delete(file);
            return ValueTask.FromResult(true);
        }, ct);
    }

    public async Task<BlobClaim?> TryClaimAsync(string container, string path, string owner, TimeSpan ttl, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var file = FilePath(container, path);
        using var _ = await LockAsync(container, path, ct);
        var now = _time.GetUtcNow();
        if (File.Exists(file))
        {
            var held = ClaimMarker.Parse(await File.ReadAllBytesAsync(file, ct));
            if (held.Owner != owner && !held.IsExpired(now)) return null;
        }
        var marker = ClaimMarker.Create(owner, ttl, now);
        await PutAsync(container, path, new MemoryStream(marker.ToBytes()), overwrite: true, ct);
        var info = new FileInfo(file);
        return new BlobClaim(container, path, owner, marker.ExpiresAt, Entry(path, info).ETag);
    }

    public async Task<bool> ReleaseClaimAsync(BlobClaim claim, CancellationToken ct = default)
    {
        BlobNames.CheckPath(claim.Container, claim.Path);
        var file = FilePath(claim.Container, claim.Path);
        using var _ = await LockAsync(claim.Container, claim.Path, ct);
        if (!File.Exists(file)) return false;
        if (ClaimMarker.Parse(await File.ReadAllBytesAsync(file, ct)).Owner != claim.Owner) return false;
        File.Delete(file);
        return true;
    }

    public string? LocalFile(string container, string path)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return File.Exists(file) ? file : null;
    }

    private string FilePath(string container, string path) =>
        Path.Combine(_root, container, path.Replace('/', Path.DirectorySeparatorChar));

    private async Task<string> WriteTempAsync(Stream source, CancellationToken ct)
    {
        Directory.CreateDirectory(_tmp);
        var temp = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await source.CopyToAsync(fs, ct);
            await fs.FlushAsync(ct);
            fs.Flush(flushToDisk: true); // durable before it becomes visible
        }
        return temp;
    }

    // An exclusive lock file per claimed path; .NET takes flock(LOCK_EX) for FileShare.None on Unix.
    private async Task<IDisposable> LockAsync(string container, string path, CancellationToken ct)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{container}/{path}")));
        var lockFile = Path.Combine(_locks, key + ".lock");
        Directory.CreateDirectory(_locks);
        var deadline = _time.GetUtcNow() + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (_time.GetUtcNow() < deadline)
            {
                await Task.Delay(Random.Shared.Next(2, 15), ct);
            }
        }
    }

    private static BlobEntry Entry(string path, FileInfo info) =>
        new(path, info.Length, info.LastWriteTimeUtc, $"\"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}\"");
}
