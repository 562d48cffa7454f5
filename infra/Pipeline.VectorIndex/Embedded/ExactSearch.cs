namespace Pipeline.VectorIndex.Embedded;

/// <summary>Exact top-k: every float32 row against every query (<see cref="DotKernel"/>), block by block.</summary>
internal static class ExactSearch
{
    private const int BlockRows = 256; // 512 KB of 512-dimensional rows: fits in L2

    public static TopK[] Run(VectorStore store, float[] queries, int queryCount, int top, bool[]? mask, int parallelism, CancellationToken ct)
    {
        var dim = store.Dimension;
        var k = Math.Min(top, Math.Max(store.Count, 1));
        return BlockScan.Run(store.Count, BlockRows, queryCount, k, mask, parallelism,
            (first, count, scores) => DotKernel.Scores(queries, queryCount, store.Rows(first, count), count, dim, scores), ct);
    }
}
