using System.Security.Cryptography;
using System.Text;
using Pipeline.Alignment;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.Ingest;

namespace Pipeline.Cli;

/// <summary>
/// What a verb's --data names, as a decoded <see cref="ImageSet"/>: a packed dataset (a folder
/// with manifest.json) is loaded as it is; anything else a user drops (image folders, archives,
/// RecordIO) is validated, decoded and packed once into a cache keyed by its path, size and
/// file listing, so the second run starts training at once. It is packed as Ingest packs a drop
/// (<see cref="IngestSettings.PackOptions"/>), and the model resizes it as the services' stages do:
/// the same model gives the same embeddings here and in a run.
/// </summary>
public static class DatasetInput
{
    /// <param name="cacheRoot">Where the packed copy goes; default <see cref="DefaultCacheRoot"/>.</param>
    /// <param name="except">A file of the folder that is not an image (a holdout's pair list), left out rather than quarantined.</param>
    /// <param name="align">How faces are found in the photos (<see cref="FaceAlignments"/>); part of the cache's key.</param>
    public static ImageSet Load(string path, string? cacheRoot = null, string? except = null, string? align = null)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, DatasetFiles.Manifest))) return DatasetLoader.Load(full);

        align ??= FaceAlignments.Auto;
        cacheRoot ??= DefaultCacheRoot();
        // Faces found are kept apart from the packed copies: a folder that changed is repacked without detecting its unchanged photos again.
        var detections = new DetectionCache(new BlobDetectionStore(new LocalFolderBlobStore(Path.Combine(cacheRoot, "blobs"))));
        var options = IngestSettings.From(CliConfiguration.Load()).PackOptions(Path.GetFileName(full), faceAlignment: align, input: full, detections: detections);
        var cache = Path.Combine(cacheRoot, Key(full, options.ImageSize, align));
        if (!File.Exists(Path.Combine(cache, DatasetFiles.Manifest)))
        {
            var staging = cache + ".partial-" + Environment.ProcessId;
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            Directory.CreateDirectory(staging);
            var bar = new ProgressBar("decode");
            var skip = except is null || !Directory.Exists(full) ? null : Path.GetRelativePath(full, Path.GetFullPath(except)).Replace('\\', '/');
            var result = DatasetPacker.Pack(new Except(DatasetSource.Open(full), skip), options,
                DatasetFiles.WriterFor(staging), new Progress<PackProgress>(p => bar.Report(0, $"{p.Accepted} images, {p.Quarantined} quarantined")));
            bar.Done();
            if (Directory.Exists(cache)) Directory.Delete(cache, true);
            Directory.Move(staging, cache);
            ConsoleOutput.Info($"{full}: {result.Manifest.SampleCount} images of {result.Manifest.Identities.Count} identities packed at {options.ImageSize}px; {result.Quarantine.Count} quarantined" +
                (result.Quarantine.Count == 0 ? "" : $" (see {Path.Combine(cache, DatasetFiles.Quarantine)})"));
            foreach (var q in result.Quarantine.Take(10)) ConsoleOutput.Info($"  quarantined {q.Path}: {q.Reason}");
        }
        return DatasetLoader.Load(cache);
    }

    /// <summary>Where the standalone verbs keep packed copies: $PIPELINE_CACHE, else $XDG_CACHE_HOME/pipeline-faces, else ~/.cache/pipeline-faces.</summary>
    public static string DefaultCacheRoot() =>
        Environment.GetEnvironmentVariable("PIPELINE_CACHE")
        ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "pipeline-faces");

    /// <summary>Path, size and a fingerprint of every file (name, length, mtime): a change anywhere repacks.</summary>
    private static string Key(string full, int imageSize, string align)
    {
        var sb = new StringBuilder().Append(full).Append('|').Append(imageSize).Append('|').Append(align);
        if (Directory.Exists(full))
        {
            // The files the packer will read: a link is not followed (it could lead round in a loop), a FIFO not opened.
            foreach (var f in RegularFileWalk.Files(full))
            {
                var info = new FileInfo(f);
                sb.Append('|').Append(f).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
            }
        }
        else
        {
            var info = new FileInfo(full);
            sb.Append('|').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
        return $"{Path.GetFileName(full)}-{imageSize}-{align}-{hash}";
    }

    /// <summary>The source without the one entry at <paramref name="path"/>.</summary>
    private sealed class Except(IDatasetSource inner, string? path) : IDatasetSource
    {
        public string Name => inner.Name;

        public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default) => inner.Entries(ct).Where(e => e.Path != path);
    }
}
