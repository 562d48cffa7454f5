using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Alignment;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Ingest;

/// <summary>
/// Packs a dropped dataset into datasets/&lt;datasetId&gt;/ (shards, quarantine.json, then manifest.json last) and
/// publishes <see cref="DatasetIngested"/>. Bad input (nothing readable, no valid image) publishes
/// <see cref="StageFailed"/> instead of throwing; only infrastructure failures throw, so the bus retries them.
/// A redelivery writes the same paths with the same bytes (packing is deterministic).
/// </summary>
public sealed class IngestConsumer(IBlobStore blobs, ServiceSettings settings, IngestSettings ingest, ILogger<IngestConsumer> logger)
    : IConsumer<DatasetDropped>
{
    private const int TransferParallelism = 8;

    public async Task Consume(ConsumeContext<DatasetDropped> context)
    {
        using var span = PipelineTelemetry.StartStage(Stages.Ingest, context.Message.RunId, DatasetIds.FromDropName(context.Message.DropName), root: true);
        try
        {
            var outcome = await IngestAsync(context.Message, context.CancellationToken);
            if (outcome is StageFailed failed) span.Failed(failed.Reason);
            await context.Publish(outcome, outcome.GetType(), context.CancellationToken);
        }
        catch (Exception e) { span.Failed(e.Message, e); throw; }
    }

    /// <summary>Packs the drop; returns the event to publish (<see cref="DatasetIngested"/> or <see cref="StageFailed"/>).</summary>
    public async Task<object> IngestAsync(DatasetDropped message, CancellationToken ct)
    {
        var drop = Drop.FromName(message.DropName);
        var datasetId = DatasetIds.FromDropName(drop.Name);
        var work = IngestWork.Create(settings.WorkRoot, datasetId);
        try
        {
            StageFailed Failed(string why)
            {
                logger.LogWarning("{Drop}: ingest failed: {Reason}", drop, why);
                return new StageFailed(message.RunId, message.Plan, Stages.Ingest, $"{drop}: {why}", DateTimeOffset.UtcNow);
            }

            var input = drop.IsArchive ? await DownloadArchiveAsync(drop, work, ct) : await DownloadFolderAsync(drop, work, ct);
            if (input is null) return Failed("nothing to ingest: the drop is empty or was deleted");

            PackResult result;
            var detections = new DetectionCache(new BlobDetectionStore(blobs));
            try
            {
                // Named after the drop, not the temp folder: the manifest then says where the data came from, and a redelivery writes the same bytes.
                var source = new DropSource(DatasetSource.Open(input), drop.ToString());
                var options = ingest.PackOptions(datasetId, work, message.Plan.FaceAlignment, input, detections);
                logger.LogInformation("{Drop}: packing {Source} into {Container}/{DatasetId}/", drop, source.Name, BlobContainers.Datasets, datasetId);
                result = await DatasetPacker.PackToDirectoryAsync(source, options, Path.Combine(work, "packed"), ct: ct);
                if (detections.Hits + detections.Misses > 0)
                    logger.LogInformation("{Drop}: faces of {Hits} photos from the detection cache, {Misses} detected ({Unusable} cache entries unusable)",
                        drop, detections.Hits, detections.Misses, detections.Unusable);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or NotSupportedException or FileNotFoundException or DirectoryNotFoundException)
            {
                return Failed($"cannot be read: {e.Message}");
            }

            var packed = Path.Combine(work, "packed");
            foreach (var reason in result.Quarantine.GroupBy(q => q.Code)) PipelineTelemetry.ImagesQuarantined.Add(reason.Count(), PipelineTelemetry.Tag("reason", reason.Key));
            if (result.Manifest.SampleCount == 0)
            {
                // No dataset (no manifest), but the per-file reasons are kept for whoever dropped it.
                await blobs.UploadFileAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId),
                    Path.Combine(packed, DatasetFiles.Quarantine), ct: ct);
                return Failed($"no valid image ({Describe(result.Quarantine)}; see {BlobContainers.Datasets}/{BlobPaths.DatasetQuarantine(datasetId)})");
            }

            await UploadDatasetAsync(packed, datasetId, result.Manifest, ct);
            PipelineTelemetry.ImagesIngested.Add(result.Manifest.SampleCount, PipelineTelemetry.Tag(PipelineTelemetry.DatasetTag, datasetId));
            logger.LogInformation("{Drop}: ingested as {Container}/{DatasetId}/: {Samples} images of {Identities} identities, {Quarantined} quarantined",
                drop, BlobContainers.Datasets, datasetId, result.Manifest.SampleCount, result.Manifest.Identities.Count, result.Manifest.QuarantineCount);
            return new DatasetIngested(message.RunId, message.Plan, new DatasetRef(datasetId, BlobPaths.DatasetManifest(datasetId)),
                result.Manifest.SampleCount, result.Manifest.Identities.Count, result.Manifest.QuarantineCount, DateTimeOffset.UtcNow);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "{Work}: could not remove the temp folder", work);
            }
        }
    }

    /// <summary>The archive as a local file (its extension kept, so the right reader opens it), or null when gone.</summary>
    private async Task<string?> DownloadArchiveAsync(Drop drop, string work, CancellationToken ct)
    {
        var file = Path.Combine(work, "input", drop.Name);
        return await blobs.DownloadToFileAsync(BlobContainers.Drops, drop.Name, file, ct) ? file : null;
    }

    /// <summary>The drop folder's data (control files left out) in a local folder; null when it holds none.</summary>
    private async Task<string?> DownloadFolderAsync(Drop drop, string work, CancellationToken ct)
    {
        var prefix = drop.Name + "/";
        var root = Path.Combine(work, "input");
        var entries = (await blobs.ListAsync(BlobContainers.Drops, prefix, ct))
            .Where(e => !DropLayout.IsControlFile(e.Path[prefix.Length..])).ToList();
        if (entries.All(e => DatasetFiles.IsSidecar(e.Path[prefix.Length..]))) return null;
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = TransferParallelism, CancellationToken = ct },
            async (entry, token) =>
            {
                // Blob paths have no empty, "." or ".." segments (the store enforces it), so this stays under root.
                var local = Path.Combine(root, entry.Path[prefix.Length..].Replace('/', Path.DirectorySeparatorChar));
                await blobs.DownloadToFileAsync(BlobContainers.Drops, entry.Path, local, token);
            });
        return RecordIoFolder(root) ?? root;
    }

    /// <summary>A RecordIO pair may sit one level down (e.g. faces_emore/train.rec); the folder holding the only train.rec.</summary>
    private static string? RecordIoFolder(string root)
    {
        if (File.Exists(Path.Combine(root, "train.rec"))) return root;
        var recs = Directory.EnumerateFiles(root, "train.rec", SearchOption.AllDirectories).Take(2).ToList();
        return recs.Count == 1 ? Path.GetDirectoryName(recs[0]) : null;
    }

    /// <summary>Shards first, then quarantine.json, then manifest.json: its presence means the dataset is complete.</summary>
    private async Task UploadDatasetAsync(string packed, string datasetId, DatasetManifest manifest, CancellationToken ct)
    {
        await Parallel.ForEachAsync(manifest.Shards, new ParallelOptions { MaxDegreeOfParallelism = TransferParallelism, CancellationToken = ct },
            async (shard, token) =>
                await blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{shard.Name}", Path.Combine(packed, shard.Name), ct: token));
        await blobs.UploadFileAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId), Path.Combine(packed, DatasetFiles.Quarantine), ct: ct);
        await UploadExamplesAsync(packed, datasetId, ct);
        await blobs.UploadFileAsync(BlobContainers.Datasets, BlobPaths.DatasetManifest(datasetId), Path.Combine(packed, DatasetFiles.Manifest), ct: ct);
    }

    /// <summary>What face finding did to a few photos (<see cref="FaceExamples"/>), when the drop's faces were looked for.</summary>
    private async Task UploadExamplesAsync(string packed, string datasetId, CancellationToken ct)
    {
        var list = Path.Combine(packed, FaceExamples.File);
        if (!File.Exists(list)) return;
        await using (var s = File.OpenRead(list))
            foreach (var e in FaceExamples.Read(s))
                await blobs.UploadFileAsync(BlobContainers.Datasets, $"{datasetId}/{e.Photo}", Path.Combine(packed, e.Photo), ct: ct);
        await blobs.UploadFileAsync(BlobContainers.Datasets, BlobPaths.DatasetExamples(datasetId), list, ct: ct);
    }

    /// <summary>"3 entries quarantined: 2 not-an-image, 1 corrupt; e.g. a/x.jpg: corrupt: ..."</summary>
    internal static string Describe(IReadOnlyList<QuarantineEntry> quarantine)
    {
        if (quarantine.Count == 0) return "the drop holds no files";
        var codes = quarantine.GroupBy(q => q.Code).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}");
        var first = quarantine[0];
        return $"{quarantine.Count} entries quarantined: {string.Join(", ", codes)}; e.g. {first.Path}: {first.Reason}";
    }

    private sealed class DropSource(IDatasetSource inner, string name) : IDatasetSource
    {
        public string Name => name;

        public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default) => inner.Entries(ct);
    }
}
