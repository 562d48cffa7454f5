using Pipeline.Datasets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Infra.Resilience;
using Polly;

namespace Pipeline.Infra.Blobs;

/// <summary>
/// Blob store on a local folder: root/&lt;container&gt;/&lt;path&gt;. Writes go to root/.tmp and are renamed
/// into place, so readers see the old or the new blob, never a partial one. Claims are serialised with an
/// exclusive lock file (flock, so it holds across processes on this machine).
/// A blob is a regular file: a symbolic link (to a file or a folder), FIFO, socket or device under a
/// container is never followed or opened; it reads as absent, lists as nothing, and is logged as skipped.
/// </summary>
public sealed class LocalFolderBlobStore : IBlobStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly string _tmp;
    private readonly string _locks;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LocalFolderBlobStore(string root, ResiliencePipeline? pipeline = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
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
        if (LinkedFolder(container, path) is { } linked)
            throw new IOException($"{container}/{path}: {linked} is a {FileKinds.Describe(FileKinds.Of(linked))}, not a folder; refusing to write through it");
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
            if (!IsBlob(container, path, file)) return ValueTask.FromResult<Stream?>(null);
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
        return await _pipeline.ExecuteAsync(_ => ValueTask.FromResult(IsBlob(container, path, file)), ct);
    }

    public async Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return await _pipeline.ExecuteAsync(_ =>
        {
            var info = new FileInfo(file);
            return ValueTask.FromResult(IsBlob(container, path, file) && info.Exists ? Entry(path, info) : null);
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
            if (!Directory.Exists(start) || (slash >= 0 && LinkedFolder(container, prefix[..slash] + "/x") is not null))
                return ValueTask.FromResult<IReadOnlyList<BlobEntry>>([]);
            var entries = new List<BlobEntry>();
            foreach (var info in RegularFiles(container, new DirectoryInfo(start)))
            {
                var name = Path.GetRelativePath(containerDir, info.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (name.StartsWith(prefix, StringComparison.Ordinal)) entries.Add(Entry(name, info));
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
        bool linked = prefix.Length > 0 && LinkedFolder(container, prefix + "x") is not null;
        return await _pipeline.ExecuteAsync<IReadOnlyList<string>>(_ => ValueTask.FromResult<IReadOnlyList<string>>(Directory.Exists(dir) && !linked
            ? new DirectoryInfo(dir).EnumerateDirectories()
                .Where(d => IsListable(container, d))
                .Where(d => RegularFiles(container, d).Any()) // as in Azure: no empty folders
                .Select(d => d.Name).Order(StringComparer.Ordinal).ToList()
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
        if (IsBlob(container, path, file))
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
        if (!IsBlob(claim.Container, claim.Path, file)) return false;
        if (ClaimMarker.Parse(await File.ReadAllBytesAsync(file, ct)).Owner != claim.Owner) return false;
        File.Delete(file);
        return true;
    }

    public string? LocalFile(string container, string path)
    {
        BlobNames.CheckPath(container, path);
        var file = FilePath(container, path);
        return IsBlob(container, path, file) ? file : null;
    }

    /// <summary>
    /// The regular files under a folder, depth first; symbolic links (never followed), FIFOs, sockets and
    /// devices are left out and logged, so a listing never leads a reader into a link or a blocking open.
    /// </summary>
    private IEnumerable<FileInfo> RegularFiles(string container, DirectoryInfo dir)
    {
        IEnumerable<FileSystemInfo> children;
        try { children = dir.EnumerateFileSystemInfos().ToList(); }
        catch (DirectoryNotFoundException) { yield break; } // removed while we walked
        foreach (var child in children)
        {
            var kind = FileKinds.Of(child.FullName);
            if (kind == FileKind.Directory)
            {
                foreach (var f in RegularFiles(container, (DirectoryInfo)child)) yield return f;
            }
            else if (kind == FileKind.Regular) yield return (FileInfo)child;
            else if (kind != FileKind.Missing) Skipped(container, child.FullName, kind);
        }
    }

    private bool IsListable(string container, DirectoryInfo dir)
    {
        var kind = FileKinds.Of(dir.FullName);
        if (kind == FileKind.Directory) return true;
        if (kind != FileKind.Missing) Skipped(container, dir.FullName, kind);
        return false;
    }

    /// <summary>Whether the path is a regular file reached through real folders (logged when something else is there).</summary>
    private bool IsBlob(string container, string path, string file)
    {
        if (LinkedFolder(container, path) is { } linked)
        {
            Skipped(container, linked, FileKinds.Of(linked));
            return false;
        }
        var kind = FileKinds.Of(file);
        if (kind is FileKind.Regular) return true;
        if (kind is not (FileKind.Missing or FileKind.Directory)) Skipped(container, file, kind);
        return false;
    }

    /// <summary>The first folder on the blob's path (below the container) that is not a real folder, or null.</summary>
    private string? LinkedFolder(string container, string path)
    {
        var dir = Path.Combine(_root, container);
        var segments = path.Split('/');
        for (int i = 0; i < segments.Length - 1; i++)
        {
            dir = Path.Combine(dir, segments[i]);
            var kind = FileKinds.Of(dir);
            if (kind == FileKind.Missing) return null;
            if (kind != FileKind.Directory) return dir;
        }
        return null;
    }

    private void Skipped(string container, string full, FileKind kind) =>
        _logger.LogWarning("{Container}/{Path}: a {Kind}, not a blob: skipped (a local blob store reads regular files only, never following a link)",
            container, Path.GetRelativePath(Path.Combine(_root, container), full).Replace(Path.DirectorySeparatorChar, '/'), FileKinds.Describe(kind));

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
