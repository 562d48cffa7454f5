namespace Pipeline.VectorIndex.Embedded;

/// <summary>Bytes of a collection log that replay passed over: at <see cref="Offset"/>, <see cref="Bytes"/> long.</summary>
public sealed record CorruptRegion(long Offset, long Bytes);

/// <summary>
/// What opening a collection log repaired: the torn tail of an interrupted append it truncated (normal after a
/// crash), and the corrupt records in the middle it skipped (data lost: the points of a skipped upsert are missing,
/// those of a skipped delete come back). The skipped bytes stay in the file until the log is compacted.
/// </summary>
public sealed record LogRecovery(string Path, long TornBytes, IReadOnlyList<CorruptRegion> Corrupt)
{
    public long SkippedBytes => Corrupt.Sum(c => c.Bytes);

    /// <summary>The warning to report when records were skipped; null when none were.</summary>
    public string? Warning => Corrupt.Count == 0 ? null :
        $"{Path}: skipped {Corrupt.Count} corrupt record region(s), {SkippedBytes} bytes (first at offset {Corrupt[0].Offset}); " +
        "the points they held are missing (a skipped delete brings its points back): re-index the affected models; " +
        $"`pipeline index repair --root {System.IO.Path.GetDirectoryName(Path)}` (Indexer stopped) rewrites the log without them";
}
