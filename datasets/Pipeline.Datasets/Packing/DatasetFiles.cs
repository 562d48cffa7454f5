using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Contracts;

namespace Pipeline.Datasets;

/// <summary>
/// The files of a packed dataset, by relative name, and adapters from a folder to the
/// "open by relative name" functions the packer and loader take (a blob store supplies its own).
/// </summary>
public static class DatasetFiles
{
    public const string Manifest = "manifest.json";
    public const string Quarantine = "quarantine.json";

    /// <summary>Landmarks files a drop may ship at its top (read by the <c>landmarks</c> face alignment), in the order looked for.</summary>
    public static readonly IReadOnlyList<string> Landmarks = ["landmarks.txt", "landmarks.lst", "list_landmarks_celeba.txt", "list_landmarks_align_celeba.txt"];

    /// <summary>Files at the top of a dataset that describe its images and are not images: read by who needs them, never packed or quarantined.</summary>
    public static bool IsSidecar(string relativePath) => relativePath == "pairs.txt" || Landmarks.Contains(relativePath, StringComparer.Ordinal);

    public static Func<string, Stream> WriterFor(string directory) => name =>
    {
        var full = Path.Combine(directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    };

    public static Func<string, Stream> ReaderFor(string directory) => name =>
        new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    public static void WriteQuarantine(Stream s, IReadOnlyList<QuarantineEntry> entries) =>
        JsonSerializer.Serialize(s, entries.Select(e => new QuarantineJson(e.Path, e.Reason)).ToList(), PipelineJson.Options);

    public static IReadOnlyList<QuarantineEntry> ReadQuarantine(Stream s) =>
        (JsonSerializer.Deserialize<List<QuarantineJson>>(s, PipelineJson.Options) ?? [])
            .Select(q => new QuarantineEntry(q.Path, q.Reason)).ToList();

    private sealed record QuarantineJson(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("reason")] string Reason);
}
