namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Top-k by scanning every row. Rows are cut into blocks that fit in L2; each worker scores the whole query
/// batch against its block (the caller's <see cref="ScoreBlock"/>), keeps a private heap per query, and the
/// heaps are merged at the end. A filter is a precomputed row mask checked before a push.
/// </summary>
internal static class BlockScan
{
    /// <summary>Writes scores[q * count + r] for every query q and rows [first, first + count) (one chunk at most).</summary>
    public delegate void ScoreBlock(int first, int count, Span<float> scores);

    public static TopK[] Run(int rowCount, int blockRows, int queryCount, int k, bool[]? mask, int parallelism, ScoreBlock score, CancellationToken ct)
    {
        var result = new TopK[queryCount];
        for (var q = 0; q < queryCount; q++) result[q] = new TopK(k);
        if (rowCount == 0 || queryCount == 0) return result;

        var blocks = (rowCount + blockRows - 1) / blockRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct };
        var gate = new object();
        Parallel.For(0, blocks, options,
            () => new Worker(queryCount, blockRows, k),
            (block, _, worker) =>
            {
                var first = block * blockRows;
                var count = Math.Min(blockRows, rowCount - first);
                var scores = worker.Scores.AsSpan(0, queryCount * count);
                score(first, count, scores);
                for (var q = 0; q < queryCount; q++)
                {
                    var heap = worker.Heaps[q];
                    var threshold = heap.Threshold;
                    var row = scores.Slice(q * count, count);
                    for (var r = 0; r < row.Length; r++)
                    {
                        if (row[r] <= threshold || (mask is not null && !mask[first + r])) continue;
                        heap.Add(row[r], first + r);
                        threshold = heap.Threshold;
                    }
                }
                return worker;
            },
            worker =>
            {
                lock (gate)
                    for (var q = 0; q < queryCount; q++) result[q].MergeFrom(worker.Heaps[q]);
            });
        return result;
    }

    private sealed class Worker(int queryCount, int blockRows, int k)
    {
        public readonly float[] Scores = new float[queryCount * blockRows];
        public readonly TopK[] Heaps = Enumerable.Range(0, queryCount).Select(_ => new TopK(k)).ToArray();
    }
}
