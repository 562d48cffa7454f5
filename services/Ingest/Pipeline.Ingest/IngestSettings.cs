using Microsoft.Extensions.Configuration;
using Pipeline.Alignment;
using Pipeline.Contracts;
using Pipeline.Datasets;

namespace Pipeline.Ingest;

/// <summary>Section "Pipeline:Ingest": how drops are packed.</summary>
public sealed class IngestSettings
{
    public const string Section = "Pipeline:Ingest";

    /// <summary>Side of the square crops stored in the shards (112 = the field's aligned faces).</summary>
    public int ImageSize { get; set; } = 112;

    /// <summary>Images per shard (4096 x 112² x 3 ≈ 154 MB).</summary>
    public int ShardSize { get; set; } = 4096;

    /// <summary>
    /// Only drops whose name starts with this are watched ("" = all). Lets several pipelines, or parallel
    /// test runs, share one drops container without taking each other's drops.
    /// </summary>
    public string DropNamePrefix { get; set; } = "";

    /// <summary>
    /// Seconds an archive drop must go unmodified before it is ingested: a file still being copied into a local
    /// drops folder keeps changing. (Folder drops wait for their _READY marker instead.)
    /// </summary>
    public double ArchiveSettleSeconds { get; set; } = 5;

    /// <summary>Seconds a drop's claim lasts until its run is announced: how soon a drop whose claimer died is taken again.</summary>
    public double DropClaimSeconds { get; set; } = 120;

    /// <summary>
    /// How images are decoded and cropped: a drop here, and a folder the command line's verbs read, so that a model
    /// sees the same pixels from both (each stage then resizes them to its model's input the same way).
    /// </summary>
    /// <param name="faceAlignment">How each photo's face is found (a plan's <c>faceAlignment</c>; <see cref="FacePolicy"/>).</param>
    /// <param name="input">The folder or archive being packed: where shipped landmarks are read from.</param>
    /// <param name="detections">Faces already found in photos (<see cref="BlobDetectionStore"/>); null: every photo is detected.</param>
    public PackOptions PackOptions(string datasetId, string? tempDirectory = null, string faceAlignment = FaceAlignments.Auto, string? input = null,
        DetectionCache? detections = null) => new()
    {
        DatasetId = datasetId, ImageSize = ImageSize, ShardSize = ShardSize, TempDirectory = tempDirectory,
        FaceCrop = FacePolicy.For(faceAlignment, input, detections),
    };

    public static IngestSettings From(IConfiguration configuration)
    {
        var s = new IngestSettings();
        configuration.GetSection(Section).Bind(s);
        if (s.ImageSize < 16) throw new InvalidOperationException($"{Section}:ImageSize = {s.ImageSize}: expected at least 16");
        if (s.ShardSize < 1) throw new InvalidOperationException($"{Section}:ShardSize = {s.ShardSize}: expected a positive count");
        if (s.DropNamePrefix.Contains('/')) throw new InvalidOperationException($"{Section}:DropNamePrefix = '{s.DropNamePrefix}': a name prefix has no '/'");
        return s;
    }
}
