using System.Numerics.Tensors;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Top-k through the 8-bit codes: scan the codes (<see cref="Int8Kernel"/>, a quarter of the bytes of the
/// float32 rows) for <c>top * oversampling</c> candidates per query, then re-score the candidates exactly from
/// the float32 rows, so the scores returned are the same cosines <see cref="ExactSearch"/> gives.
/// </summary>
internal static class QuantizedSearch
{
    private const int BlockRows = 1024; // 512 KB of 512-byte codes: fits in L2

    public static TopK[] Run(
        VectorStore store, Int8Codes codes, float[] queries, int queryCount, int top, int oversampling, bool[]? mask, int parallelism, CancellationToken ct)
    {
        var dim = store.Dimension;
        var stride = codes.Stride;
        var queryCodes = new sbyte[queryCount * stride];
        for (var q = 0; q < queryCount; q++)
            codes.Quantizer.EncodeQuery(queries.AsSpan(q * dim, dim), queryCodes.AsSpan(q * stride, stride));

        var k = Math.Min(top, Math.Max(store.Count, 1));
        var wanted = (int)Math.Min((long)top * oversampling, Math.Max(store.Count, 1));
        var candidates = BlockScan.Run(store.Count, BlockRows, queryCount, wanted, mask, parallelism,
            (first, count, scores) => Int8Kernel.Scores(queryCodes, queryCount, codes.Rows(first, count), count, stride, scores), ct);

        var result = new TopK[queryCount];
        Parallel.For(0, queryCount, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct }, q =>
        {
            var query = queries.AsSpan(q * dim, dim);
            var heap = new TopK(k);
            foreach (var (_, row) in candidates[q].Sorted())
                heap.Add(TensorPrimitives.Dot(query, store.Row(row)), row);
            result[q] = heap;
        });
        return result;
    }
}
