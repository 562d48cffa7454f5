using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Contracts;

namespace Pipeline.Datasets;

/// <summary>
/// manifest.json of a packed dataset: written last, so its presence means the dataset is complete.
/// Labels in the shards index <see cref="Identities"/>.
/// </summary>
public sealed record DatasetManifest
{
    public const string FormatName = "pipeline-dataset";
    public const int CurrentVersion = 1;

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("dataset_id")] public required string DatasetId { get; init; }
    [JsonPropertyName("source")] public string Source { get; init; } = "";
    [JsonPropertyName("image_size")] public required int ImageSize { get; init; }
    [JsonPropertyName("channels")] public int Channels { get; init; } = ShardFile.Channels;
    [JsonPropertyName("sample_count")] public required int SampleCount { get; init; }
    [JsonPropertyName("quarantine_count")] public required int QuarantineCount { get; init; }
    [JsonPropertyName("identities")] public required IReadOnlyList<string> Identities { get; init; }
    [JsonPropertyName("shards")] public required IReadOnlyList<ShardInfo> Shards { get; init; }

    public void WriteTo(Stream s) => JsonSerializer.Serialize(s, this, PipelineJson.Options);

    public static DatasetManifest ReadFrom(Stream s)
    {
        var m = JsonSerializer.Deserialize<DatasetManifest>(s, PipelineJson.Options) ?? throw new InvalidDataException("manifest.json is empty");
        if (m.Format != FormatName || m.Version != CurrentVersion)
            throw new InvalidDataException($"manifest is '{m.Format}' v{m.Version}, expected '{FormatName}' v{CurrentVersion}");
        return m;
    }
}

/// <summary>One shard as the manifest lists it; <see cref="Sha256"/> is lower-case hex of the file.</summary>
public sealed record ShardInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);
