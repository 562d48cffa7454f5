namespace Pipeline.Datasets;

/// <summary>
/// Limits every source enforces; what breaks a limit is quarantined with its code, never thrown. Each
/// limit bounds what one hostile input can cost: bytes decompressed, memory held, time spent.
/// </summary>
public sealed record SourceOptions
{
    /// <summary>An archive file (zip, tar, tar.gz, rec) larger than this is refused whole (archive-too-large).</summary>
    public long MaxArchiveBytes { get; init; } = 64L << 30;

    /// <summary>One image file larger than this is refused (entry-too-large): the most one entry can hold in memory.</summary>
    public long MaxEntryBytes { get; init; } = 32L << 20;

    /// <summary>
    /// Bytes a whole drop may expand to (files of a folder, decompressed archive data); past it the rest
    /// of the drop is refused (drop-too-large) and what was read before is kept.
    /// </summary>
    public long MaxDropBytes { get; init; } = 64L << 30;

    /// <summary>
    /// Decompressed / compressed bytes allowed for an entry or a whole archive once it has expanded past
    /// <see cref="RatioFloorBytes"/> (compression-ratio). Photos barely compress (about 1x); a run of zeros deflates
    /// about 1000x at the smallest size (about 100x at the fastest, which this lets through: it then costs time, not memory).
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 100;

    /// <summary>Expansion below this is never judged by its ratio (tar headers and tiny files compress well).</summary>
    public long RatioFloorBytes { get; init; } = 1L << 20;

    /// <summary>A relative path longer than this in UTF-8 is refused (path-too-long); shards store paths of at most 65535 bytes.</summary>
    public int MaxPathBytes { get; init; } = 1024;

    /// <summary>A path with more folders than this is refused (path-too-long); a folder walk does not descend further.</summary>
    public int MaxPathDepth { get; init; } = 32;

    public static SourceOptions Default { get; } = new();

    /// <summary>This, or an ArgumentException naming the first option out of range.</summary>
    public SourceOptions Validated()
    {
        static void Positive(string name, double value)
        {
            if (!(value > 0)) throw new ArgumentException($"SourceOptions.{name} = {value}: expected a positive number");
        }
        Positive(nameof(MaxArchiveBytes), MaxArchiveBytes);
        Positive(nameof(MaxEntryBytes), MaxEntryBytes);
        Positive(nameof(MaxDropBytes), MaxDropBytes);
        Positive(nameof(RatioFloorBytes), RatioFloorBytes);
        Positive(nameof(MaxPathDepth), MaxPathDepth);
        if (MaxEntryBytes > Array.MaxLength) throw new ArgumentException($"SourceOptions.MaxEntryBytes = {MaxEntryBytes}: at most {Array.MaxLength} (one array)");
        if (!(MaxCompressionRatio >= 1)) throw new ArgumentException($"SourceOptions.MaxCompressionRatio = {MaxCompressionRatio}: expected at least 1");
        if (MaxPathBytes is < 1 or > ushort.MaxValue) throw new ArgumentException($"SourceOptions.MaxPathBytes = {MaxPathBytes}: expected 1 to {ushort.MaxValue} (a shard's path field)");
        return this;
    }
}
