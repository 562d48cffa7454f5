using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Models;
using Pipeline.Infra.Blobs;

namespace Pipeline.Artifacts;

/// <summary>
/// Datasets and models between the blob store and a service's local work folder: shards and model
/// files are downloaded once into a cache and read from disk, so a service restarts cheaply.
/// </summary>
public sealed class ArtifactStore(IBlobStore blobs, string workRoot)
{
    // One download per local folder at a time: shard consumers of one process run concurrently.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _folderLocks = new();

    private async Task<IDisposable> LockAsync(string folder, CancellationToken ct)
    {
        var gate = _folderLocks.GetOrAdd(folder, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    public IBlobStore Blobs => blobs;
    /// <summary>The service's local scratch: the download cache and temporary files.</summary>
    public string WorkRoot { get; } = Path.GetFullPath(workRoot);

    public async Task<DatasetManifest> ReadManifestAsync(string datasetId, CancellationToken ct)
    {
        await using var s = await blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId), ct)
            ?? throw new InvalidDataException($"{BlobContainers.Datasets}/{BlobPaths.DatasetManifest(datasetId)}: dataset not found");
        return DatasetManifest.ReadFrom(s);
    }

    /// <summary>
    /// The dataset (or some of its shards) as an <see cref="ImageSet"/> of mapped shards: in place when the blob
    /// store keeps them as files on this machine (the embedded default: no second copy of a large dataset),
    /// else from the local cache, downloading what it lacks.
    /// </summary>
    public async Task<ImageSet> LoadDatasetAsync(string datasetId, IReadOnlyList<int>? shards = null, CancellationToken ct = default)
    {
        if (blobs.LocalFile(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId)) is { } manifestFile)
            return DatasetLoader.Load(Path.GetDirectoryName(manifestFile)!, shards);
        var dir = Path.Combine(WorkRoot, "datasets", datasetId);
        using var _ = await LockAsync(dir, ct);
        var manifest = await ReadManifestAsync(datasetId, ct);
        Directory.CreateDirectory(dir);
        await using (var m = File.Create(Path.Combine(dir, DatasetFiles.Manifest))) manifest.WriteTo(m);
        var wanted = shards ?? Enumerable.Range(0, manifest.Shards.Count).ToArray();
        foreach (var i in wanted)
        {
            var shard = manifest.Shards[i];
            var local = Path.Combine(dir, shard.Name);
            if (File.Exists(local) && new FileInfo(local).Length == shard.Bytes) continue;
            await blobs.DownloadToFileAsync(BlobContainers.Datasets, $"{datasetId}/{shard.Name}", local, ct);
        }
        return DatasetLoader.Load(dir, wanted, verifyHashes: false);
    }

    public async Task UploadDirectoryAsync(string localDir, string container, string prefix, CancellationToken ct)
    {
        foreach (var file in Directory.EnumerateFiles(localDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(localDir, file).Replace('\\', '/');
            await blobs.UploadFileAsync(container, prefix + rel, file, ct: ct);
        }
    }

    /// <summary>Downloads every blob under the prefix into <paramref name="localDir"/>; returns how many.</summary>
    public async Task<int> DownloadDirectoryAsync(string container, string prefix, string localDir, CancellationToken ct)
    {
        int n = 0;
        foreach (var entry in await blobs.ListAsync(container, prefix, ct))
        {
            var local = Path.Combine(localDir, entry.Path[prefix.Length..]);
            await blobs.DownloadToFileAsync(container, entry.Path, local, ct);
            n++;
        }
        return n;
    }

    /// <summary>A trained model, downloaded once per (run, stage).</summary>
    public async Task<FaceModel> LoadModelAsync(ModelRef model, CancellationToken ct) => FaceModel.Load(await ModelFolderAsync(model, ct));

    /// <summary>The local folder of a trained model (<see cref="LoadModelAsync"/>'s), downloaded once per (run, stage).</summary>
    public async Task<string> ModelFolderAsync(ModelRef model, CancellationToken ct)
    {
        var dir = Path.Combine(WorkRoot, "models", model.RunId, model.Stage);
        using var _ = await LockAsync(dir, ct);
        if (!FaceModel.Exists(dir))
        {
            var staging = dir + ".partial-" + Guid.NewGuid().ToString("N")[..8];
            await DownloadDirectoryAsync(BlobContainers.Models, BlobPaths.TrainedModel(model.RunId, model.Stage), staging, ct);
            if (!FaceModel.Exists(staging)) throw new InvalidDataException($"{BlobContainers.Models}/{model.Path}: no trained model there");
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
            Directory.Move(staging, dir);
        }
        return dir;
    }

    /// <summary>
    /// A model that is one file at <see cref="ModelRef.Path"/> (an ONNX graph), as a local file: in place when the blob store
    /// keeps it as a file on this machine, else downloaded once per run and file name.
    /// </summary>
    public async Task<string> ModelFileAsync(ModelRef model, CancellationToken ct)
    {
        if (blobs.LocalFile(BlobContainers.Models, model.Path) is { } inPlace && File.Exists(inPlace)) return inPlace;
        var file = Path.Combine(WorkRoot, "models", model.RunId, Path.GetFileName(model.Path));
        using var _ = await LockAsync(file, ct);
        if (!File.Exists(file) && !await blobs.DownloadToFileAsync(BlobContainers.Models, model.Path, file, ct))
            throw new FileNotFoundException($"{BlobContainers.Models}/{model.Path}: no such model file", model.Path);
        return file;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as JSON, streamed through a temporary file rather than a string: a
    /// purification report of a web-scale dataset (a decision and its reason per sample) outgrows the
    /// largest string .NET can hold, and a seekable file lets the store retry the upload.
    /// </summary>
    public async Task PutJsonAsync<T>(string container, string path, T value, CancellationToken ct)
    {
        var dir = Path.Combine(WorkRoot, "tmp");
        Directory.CreateDirectory(dir);
        await using var file = new FileStream(Path.Combine(dir, Guid.NewGuid().ToString("N") + ".json"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await JsonSerializer.SerializeAsync(file, value, PipelineJson.Options, ct);
        file.Position = 0;
        await blobs.PutAsync(container, path, file, ct: ct);
    }

    /// <summary>Reads a JSON blob, streamed (no string of the whole blob), or default when it does not exist.</summary>
    public async Task<T?> GetJsonAsync<T>(string container, string path, CancellationToken ct)
    {
        await using var s = await blobs.GetAsync(container, path, ct);
        return s is null ? default : await JsonSerializer.DeserializeAsync<T>(s, PipelineJson.Options, ct);
    }
}
