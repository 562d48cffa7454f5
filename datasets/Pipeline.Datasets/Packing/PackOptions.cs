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
    /// <summary>
    /// Encoded bytes a batch may hold before it is decoded: with one batch decoding while the next is read,
    /// about twice this (plus one entry) is what the read side holds at most.
    /// </summary>
    public long MaxBatchBytes { get; init; } = 64L << 20;
    /// <summary>Decoded pixels (width x height x 4) all parallel decodes may hold at once; one larger image decodes alone.</summary>
    public long MaxDecodeBytes { get; init; } = 256L << 20;
    /// <summary>Where decoded pixels wait to be sorted (a temp file, deleted on close).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>How each photo's face is cut out; null: the centred square crop.</summary>
    public IFaceCrop? FaceCrop { get; init; }

    public ValidationOptions Validation => new() { ImageSize = ImageSize, MinSize = MinSize, MaxPixels = MaxPixels, MaxDecodeBytes = MaxDecodeBytes, FaceCrop = FaceCrop };

    /// <summary>Throws an ArgumentException naming the first option out of range.</summary>
    public void Validate()
    {
        static void Positive(string name, long value)
        {
            if (value <= 0) throw new ArgumentException($"PackOptions.{name} = {value}: expected a positive number");
        }
        Positive(nameof(ShardSize), ShardSize);
        Positive(nameof(BatchSize), BatchSize);
        Positive(nameof(MaxBatchBytes), MaxBatchBytes);
        Positive(nameof(MaxDecodeBytes), MaxDecodeBytes);
        Positive(nameof(MaxEntryBytes), MaxEntryBytes);
        Positive(nameof(MaxPixels), MaxPixels);
        if (MaxPixels > int.MaxValue / 4) throw new ArgumentException($"PackOptions.MaxPixels = {MaxPixels}: at most {int.MaxValue / 4} (one RGBA buffer)");
        if (MaxEntryBytes > Array.MaxLength) throw new ArgumentException($"PackOptions.MaxEntryBytes = {MaxEntryBytes}: at most {Array.MaxLength} (one array)");
        if (ImageSize < 1 || MinSize < 1) throw new ArgumentException($"PackOptions.ImageSize = {ImageSize}, MinSize = {MinSize}: expected positive sizes");
    }
}

/// <summary>Where the packer is: entries read, accepted so far, quarantined so far.</summary>
public readonly record struct PackProgress(int Read, int Accepted, int Quarantined);

/// <summary>The manifest written and every input left out.</summary>
public sealed record PackResult(DatasetManifest Manifest, IReadOnlyList<QuarantineEntry> Quarantine);
