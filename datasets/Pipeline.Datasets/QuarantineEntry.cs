namespace Pipeline.Datasets;

/// <summary>
/// One input that did not make it into the dataset, and why. <see cref="Path"/> is relative to the
/// dataset root ('/'-separated) or names the archive itself; <see cref="Reason"/> starts with one of
/// the <see cref="QuarantineReasons"/> codes, then ": " and a human detail.
/// </summary>
public sealed record QuarantineEntry(string Path, string Reason)
{
    /// <summary>The stable code at the start of <see cref="Reason"/> (e.g. "truncated").</summary>
    public string Code => Reason.Split(':', 2)[0];
}

/// <summary>Stable codes that start every quarantine reason; scripts and dashboards group by them.</summary>
public static class QuarantineReasons
{
    public const string NotAnImage = "not-an-image";
    public const string EmptyFile = "empty-file";
    public const string Truncated = "truncated";
    public const string Corrupt = "corrupt";
    public const string TooSmall = "too-small";
    /// <summary>Header dimensions over the pixel limit: refused before decoding (decompression bomb).</summary>
    public const string TooManyPixels = "too-many-pixels";
    public const string EntryTooLarge = "entry-too-large";
    /// <summary>The drop expanded past SourceOptions.MaxDropBytes: the rest of it is not read.</summary>
    public const string DropTooLarge = "drop-too-large";
    /// <summary>An entry, or a whole archive, expands more than SourceOptions.MaxCompressionRatio (a zip or gzip bomb).</summary>
    public const string CompressionRatio = "compression-ratio";
    /// <summary>Longer than SourceOptions.MaxPathBytes, or deeper than MaxPathDepth.</summary>
    public const string PathTooLong = "path-too-long";
    public const string Duplicate = "duplicate";
    public const string UnsafePath = "unsafe-path";
    public const string Symlink = "symlink";
    /// <summary>A FIFO, socket or device (never opened: a FIFO blocks its reader).</summary>
    public const string NotARegularFile = "not-a-regular-file";
    public const string EmptyIdentity = "empty-identity";
    public const string UnreadableName = "unreadable-name";
    public const string NoIdentityFolder = "no-identity-folder";
    public const string HiddenFile = "hidden-file";
    public const string ArchiveTooLarge = "archive-too-large";
    public const string CorruptArchive = "corrupt-archive";
    public const string Unreadable = "unreadable";
    /// <summary>Face alignment found no face in the photo.</summary>
    public const string NoFace = "no-face";
    /// <summary>Face alignment found faces, all scoring under its accept threshold.</summary>
    public const string LowDetectionScore = "low-detection-score";
    /// <summary>Face alignment found several faces and none dominates (Pipeline.Alignment.DominantFace).</summary>
    public const string MultipleFaces = "multiple-faces";
    /// <summary>The drop's landmarks file has no line for the photo, or its five points give no usable alignment.</summary>
    public const string NoLandmarks = "no-landmarks";

    public static string Format(string code, string detail) => $"{code}: {detail}";
}
