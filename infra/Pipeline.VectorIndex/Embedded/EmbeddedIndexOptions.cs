namespace Pipeline.VectorIndex.Embedded;

public sealed record EmbeddedIndexOptions
{
    /// <summary>fsync every write before it returns (safe against power loss, slower bulk loads).</summary>
    public bool DurableWrites { get; init; } = true;

    /// <summary>Threads one search uses; the scan is split by row blocks.</summary>
    public int SearchParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Candidates an <see cref="VectorQuantization.Int8"/> collection's scan keeps per wanted hit, re-scored exactly.</summary>
    public int Oversampling { get; init; } = VectorQuantizationDefaults.Oversampling;

    /// <summary>Rewrite a log once it holds more than this many superseded records and more of them than live rows.</summary>
    public int CompactAfterDeadPoints { get; init; } = 4096;

    /// <summary>
    /// Where a collection that opened with corrupt records skipped says so (file, offset, bytes); standard error
    /// unless the host routes it to its log. Skipping keeps the index serving: it is derived data the Indexer can
    /// rebuild, and refusing to open would stop every search over one bad sector.
    /// </summary>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine("warning: " + message);
}
