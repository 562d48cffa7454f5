using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using F512 = Pipeline.VectorIndex.Embedded.VectorTiles<Pipeline.VectorIndex.Embedded.FloatOps512, float, float,
    System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>>;
using F256 = Pipeline.VectorIndex.Embedded.VectorTiles<Pipeline.VectorIndex.Embedded.FloatOps256, float, float,
    System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<float>>;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Scores a block of float32 queries against a block of rows (a small matrix multiply), register-blocked
/// (<see cref="VectorTiles{TOps, TQuery, TRow, TQueryVector, TRowVector, TSum}"/>) at the widest vector the
/// CPU has, so a row block read once from memory serves the whole query batch from cache.
/// </summary>
internal static class DotKernel
{
    /// <summary>
    /// scores[q * rowCount + r] = dot(queries[q], rows[r]) for q &lt; queryCount, r &lt; rowCount;
    /// both inputs are row-major with <paramref name="dim"/> floats per vector.
    /// </summary>
    public static void Scores(ReadOnlySpan<float> queries, int queryCount, ReadOnlySpan<float> rows, int rowCount, int dim, Span<float> scores)
    {
        if (Vector512.IsHardwareAccelerated && dim % Vector512<float>.Count == 0)
            F512.Scores(queries, queryCount, rows, rowCount, dim, scores);
        else if (Vector256.IsHardwareAccelerated && dim % Vector256<float>.Count == 0)
            F256.Scores(queries, queryCount, rows, rowCount, dim, scores);
        else
            for (var q = 0; q < queryCount; q++)
                for (var r = 0; r < rowCount; r++)
                    scores[q * rowCount + r] = TensorPrimitives.Dot(queries.Slice(q * dim, dim), rows.Slice(r * dim, dim));
    }
}
