namespace Pipeline.Datasets;

/// <summary>Limits every source enforces; what breaks a limit is quarantined, never thrown.</summary>
public sealed record SourceOptions
{
    /// <summary>An archive file (zip, tar, tar.gz, rec) larger than this is refused whole.</summary>
    public long MaxArchiveBytes { get; init; } = 64L << 30;

    /// <summary>One image file larger than this is refused (guards against huge or bomb-like entries).</summary>
    public long MaxEntryBytes { get; init; } = 32L << 20;

    public static SourceOptions Default { get; } = new();
}
