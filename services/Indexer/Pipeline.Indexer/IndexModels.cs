using System.Security.Cryptography;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.Interop;
using static TorchSharp.torch;

namespace Pipeline.Indexer;

/// <summary>
/// Which model embeds a run's collection (<see cref="For"/>): the run's final model, or the ONNX model its plan names
/// (<see cref="RunPlan.IndexModel"/>), copied into the run's folder before the first shard (<see cref="CopyToRunAsync"/>) so
/// that the run's searches embed their queries with the very file that embedded its faces, whatever happens to the original.
/// </summary>
public static class IndexModels
{
    /// <summary>Where a run keeps the ONNX model that embedded its collection.</summary>
    public static string RunCopy(string runId) => BlobPaths.ModelFolder(runId, Stages.Final) + "index-model.onnx";

    /// <summary>Where a local ONNX file is stored by its content: the same file always at the same path, never another file there.</summary>
    public static string ContentPath(string file)
    {
        using var stream = File.OpenRead(file);
        return $"_onnx/{Convert.ToHexStringLower(SHA256.HashData(stream))[..32]}.onnx";
    }

    /// <summary>The model that embeds (or embedded) the collection of <paramref name="runId"/>, whose plan is <paramref name="plan"/>.</summary>
    public static ModelRef For(string runId, RunPlan? plan) => plan?.IndexModel is null
        ? new ModelRef(runId, Stages.Final, BlobPaths.TrainedModel(runId, Stages.Final))
        : new ModelRef(runId, Stages.Final, RunCopy(runId));

    /// <summary>The model <paramref name="model"/> names, opened to embed on the CPU: a trained model's folder or an ONNX file.</summary>
    public static async Task<EmbeddingModel> OpenAsync(ArtifactStore store, ModelRef model, CancellationToken ct) =>
        EmbeddingModel.IsOnnx(model.Path)
            ? Open(await store.ModelFileAsync(model, ct), $"{BlobContainers.Models}/{model.Path}")
            : EmbeddingModel.Open(await store.ModelFolderAsync(model, ct), CPU);

    /// <summary>An ONNX recognition model, or an <see cref="InvalidDataException"/> naming <paramref name="name"/> and why it cannot embed.</summary>
    public static EmbeddingModel Open(string file, string name)
    {
        try { return EmbeddingModel.Open(file, CPU); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new InvalidDataException($"{name}: not an ONNX recognition model the Indexer can embed with: {e.Message}", e);
        }
    }

    /// <summary>
    /// At plan time, the index model of <paramref name="plan"/> checked and in the store: <paramref name="localFile"/> (the
    /// user's file, which the plan names by <see cref="ContentPath"/>) opened and uploaded, or else the blob the plan names
    /// opened; an <see cref="InvalidDataException"/> naming the file and the reason when it cannot embed.
    /// </summary>
    public static async Task StageAsync(IBlobStore blobs, RunPlan plan, string? localFile, CancellationToken ct)
    {
        if (plan.IndexModel is not { } path) return;
        if (localFile is not null)
        {
            Open(localFile, localFile).Dispose();
            if (!await blobs.ExistsAsync(BlobContainers.Models, path, ct)) await blobs.UploadFileAsync(BlobContainers.Models, path, localFile, ct: ct);
            return;
        }
        var name = $"{BlobContainers.Models}/{path}";
        if (blobs.LocalFile(BlobContainers.Models, path) is { } inPlace && File.Exists(inPlace)) { Open(inPlace, name).Dispose(); return; }
        var temp = Path.Combine(Path.GetTempPath(), "pipeline-index-model-" + Guid.NewGuid().ToString("N") + ".onnx");
        try
        {
            if (!await blobs.DownloadToFileAsync(BlobContainers.Models, path, temp, ct))
                throw new InvalidDataException($"indexModel {name}: no such blob (give a local .onnx file, or upload it there first)");
            Open(temp, name).Dispose();
        }
        finally { File.Delete(temp); }
    }

    /// <summary>
    /// The ONNX model <paramref name="plan"/> names, copied to <see cref="RunCopy"/> and opened once, so that a missing or broken
    /// file fails the index stage before any shard embeds; nothing when the plan names none.
    /// </summary>
    public static async Task CopyToRunAsync(ArtifactStore store, string runId, RunPlan plan, CancellationToken ct)
    {
        if (plan.IndexModel is not { } source) return;
        var copy = RunCopy(runId);
        if (!await store.Blobs.ExistsAsync(BlobContainers.Models, copy, ct))
        {
            await using var content = await store.Blobs.GetAsync(BlobContainers.Models, source, ct)
                ?? throw new InvalidDataException($"indexModel {BlobContainers.Models}/{source}: no such blob");
            await store.Blobs.PutAsync(BlobContainers.Models, copy, content, ct: ct);
        }
        (await OpenAsync(store, For(runId, plan), ct)).Dispose();
    }
}
