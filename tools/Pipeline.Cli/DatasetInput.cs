using System.Security.Cryptography;
using System.Text;
using Pipeline.Datasets;

namespace Pipeline.Cli;

/// <summary>
/// What a verb's --data names, as a decoded <see cref="ImageSet"/>: a packed dataset (a folder
/// with manifest.json) is loaded as it is; anything else a user drops (image folders, archives,
/// RecordIO) is validated, decoded and packed once into a cache keyed by its path, size and
/// file listing, so the second run starts training at once.
/// </summary>
public static class DatasetInput
{
    public static ImageSet Load(string path, int imageSize, string? cacheRoot = null)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, DatasetFiles.Manifest))) return DatasetLoader.Load(full);

        var cache = Path.Combine(cacheRoot ?? DefaultCacheRoot(), $"{Key(full, imageSize)}");
        if (!File.Exists(Path.Combine(cache, DatasetFiles.Manifest)))
        {
            var staging = cache + ".partial-" + Environment.ProcessId;
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            Directory.CreateDirectory(staging);
            var bar = new ProgressBar("decode");
            var result = DatasetPacker.Pack(DatasetSource.Open(full), new PackOptions { DatasetId = Path.GetFileName(full), ImageSize = imageSize },
                DatasetFiles.WriterFor(staging), new Progress<PackProgress>(p => bar.Report(0, $"{p.Accepted} images, {p.Quarantined} quarantined")));
            bar.Done();
            if (Directory.Exists(cache)) Directory.Delete(cache, true);
            Directory.Move(staging, cache);
            ConsoleOutput.Info($"{full}: {result.Manifest.SampleCount} images of {result.Manifest.Identities.Count} identities packed at {imageSize}px; {result.Quarantine.Count} quarantined (see {Path.Combine(cache, DatasetFiles.Quarantine)})");
            foreach (var q in result.Quarantine.Take(10)) ConsoleOutput.Info($"  quarantined {q.Path}: {q.Reason}");
        }
        return DatasetLoader.Load(cache);
    }

    private static string DefaultCacheRoot() =>
        Environment.GetEnvironmentVariable("PIPELINE_CACHE")
        ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "pipeline-faces");

    /// <summary>Path, size and a fingerprint of every file (name, length, mtime): a change anywhere repacks.</summary>
    private static string Key(string full, int imageSize)
    {
        var sb = new StringBuilder().Append(full).Append('|').Append(imageSize);
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
        return $"{Path.GetFileName(full)}-{imageSize}-{hash}";
    }
}
