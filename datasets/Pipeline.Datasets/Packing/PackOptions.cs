namespace Pipeline.Datasets;

/// <summary>How a source becomes packed shards.</summary>
public sealed record PackOptions
{
    public string DatasetId { get; init; } = "dataset";
    public int ImageSize { get; init; } = 112;
    public int MinSize { get; init; } = 32;
    public long MaxPixels { get; init; } = 50_000_000;
    public long MaxEntryBytes { get; init; } = 32L << 20;
    /// <summary>Images per shard (4096 x 112² x 3 ≈ 154 MB).</summary>
    public int ShardSize { get; init; } = 4096;
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Images read, then decoded in parallel, at a time.</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>Where decoded pixels wait to be sorted (a temp file, deleted on close).</summary>
    public string? TempDirectory { get; init; }

    public ValidationOptions Validation => new() { ImageSize = ImageSize, MinSize = MinSize, MaxPixels = MaxPixels };
}

/// <summary>Where the packer is: entries read, accepted so far, quarantined so far.</summary>
public readonly record struct PackProgress(int Read, int Accepted, int Quarantined);

/// <summary>The manifest written and every input left out.</summary>
public sealed record PackResult(DatasetManifest Manifest, IReadOnlyList<QuarantineEntry> Quarantine);
