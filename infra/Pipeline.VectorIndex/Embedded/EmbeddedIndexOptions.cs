namespace Pipeline.VectorIndex.Embedded;

public sealed record EmbeddedIndexOptions
{
    /// <summary>fsync every write before it returns (safe against power loss, slower bulk loads).</summary>
    public bool DurableWrites { get; init; } = true;

    /// <summary>Threads one search uses; the scan is split by row blocks.</summary>
    public int SearchParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Rewrite a log once it holds more than this many superseded records and more of them than live rows.</summary>
    public int CompactAfterDeadPoints { get; init; } = 4096;
}
