using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>
/// Bytes a drop has expanded to so far against <see cref="SourceOptions.MaxDropBytes"/> and, for a compressed
/// archive, against <see cref="SourceOptions.MaxCompressionRatio"/>; each check returns the quarantine reason or null.
/// </summary>
internal sealed class ExpansionMeter(SourceOptions options)
{
    /// <summary>A decompressor reads ahead (GZipStream: 8 KiB at a time): an entry's compressed share is uncertain by up to this much.</summary>
    public const long ReadAheadBytes = 16 << 10;

    public long Expanded { get; set; }
    public long Compressed { get; set; }

    /// <summary>False for a plain tar or a folder, whose bytes are on disk as they are.</summary>
    public bool IsCompressed { get; init; }

    /// <summary>Why the rest of the drop is refused, or null.</summary>
    public string? DropProblem()
    {
        if (Expanded > options.MaxDropBytes)
            return QuarantineReasons.Format(QuarantineReasons.DropTooLarge,
                $"{Expanded} bytes read > limit {options.MaxDropBytes} (SourceOptions.MaxDropBytes); the rest is not read");
        return IsCompressed ? RatioProblem("the archive", Expanded, Compressed, slack: 0, "; the rest is not read") : null;
    }

    /// <summary>Why one entry is refused for its expansion (compressed bytes are the archive's, counted since it began).</summary>
    public string? EntryProblem(long expanded, long compressed) =>
        IsCompressed ? RatioProblem("it", expanded, compressed, ReadAheadBytes, "") : null;

    private string? RatioProblem(string what, long expanded, long compressed, long slack, string tail)
    {
        if (expanded <= options.RatioFloorBytes) return null;
        // The slack makes the ratio err low: a bomb is still caught a few MiB in, an honest file never is.
        double ratio = (double)expanded / Math.Max(1, compressed + slack);
        return ratio > options.MaxCompressionRatio
            ? QuarantineReasons.Format(QuarantineReasons.CompressionRatio, string.Create(CultureInfo.InvariantCulture,
                $"{what} expands {ratio:0.#}x ({expanded} bytes from {compressed} compressed) > limit {options.MaxCompressionRatio}x (SourceOptions.MaxCompressionRatio){tail}"))
            : null;
    }
}
