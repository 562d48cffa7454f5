namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Exact top-k by scanning every row. Rows are cut into blocks that fit in L2; each worker scores
/// the whole query batch against its block (<see cref="DotKernel"/>), keeps a private heap per query,
/// and the heaps are merged at the end. A filter is a precomputed row mask checked before a push.
/// </summary>
internal static class ExactSearch
{
    private const int BlockRows = 256;

    public static TopK[] Run(VectorStore store, float[] queries, int queryCount, int top, bool[]? mask, int parallelism, CancellationToken ct)
    {
        var dim = store.Dimension;
        var k = Math.Min(top, Math.Max(store.Count, 1));
        var result = new TopK[queryCount];
        for (var q = 0; q < queryCount; q++) result[q] = new TopK(k);
        if (store.Count == 0 || queryCount == 0) return result;

        var blocks = (store.Count + BlockRows - 1) / BlockRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct };
        var gate = new object();
        Parallel.For(0, blocks, options,
            () => new Worker(queryCount, k),
            (block, _, worker) =>
            {
                var first = block * BlockRows;
                var count = Math.Min(BlockRows, store.Count - first);
                var scores = worker.Scores.AsSpan(0, queryCount * count);
                DotKernel.Scores(queries, queryCount, store.Rows(first, count), count, dim, scores);
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

    private sealed class Worker(int queryCount, int k)
    {
        public readonly float[] Scores = new float[queryCount * BlockRows];
        public readonly TopK[] Heaps = Enumerable.Range(0, queryCount).Select(_ => new TopK(k)).ToArray();
    }
}
