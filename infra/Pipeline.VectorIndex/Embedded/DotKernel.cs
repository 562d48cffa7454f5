using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Scores a block of queries against a block of rows (a small matrix multiply). Register-blocked:
/// four queries times two rows share every load, so a row block read once from memory serves the
/// whole query batch from cache. Falls back to <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.
/// </summary>
internal static class DotKernel
{
    /// <summary>
    /// scores[q * rowCount + r] = dot(queries[q], rows[r]) for q &lt; queryCount, r &lt; rowCount;
    /// both inputs are row-major with <paramref name="dim"/> floats per vector.
    /// </summary>
    public static void Scores(ReadOnlySpan<float> queries, int queryCount, ReadOnlySpan<float> rows, int rowCount, int dim, Span<float> scores)
    {
        var q = 0;
        if (Vector512.IsHardwareAccelerated && dim % Vector512<float>.Count == 0)
        {
            for (; q + 4 <= queryCount; q += 4)
            {
                var r = 0;
                for (; r + 2 <= rowCount; r += 2)
                    Tile4x2V512(queries.Slice(q * dim, 4 * dim), rows.Slice(r * dim, 2 * dim), dim, scores, q * rowCount + r, rowCount);
                for (; r < rowCount; r++)
                    for (var j = 0; j < 4; j++)
                        scores[(q + j) * rowCount + r] = TensorPrimitives.Dot(queries.Slice((q + j) * dim, dim), rows.Slice(r * dim, dim));
            }
        }
        else if (Vector256.IsHardwareAccelerated && dim % Vector256<float>.Count == 0)
        {
            for (; q + 4 <= queryCount; q += 4)
            {
                var r = 0;
                for (; r + 2 <= rowCount; r += 2)
                    Tile4x2V256(queries.Slice(q * dim, 4 * dim), rows.Slice(r * dim, 2 * dim), dim, scores, q * rowCount + r, rowCount);
                for (; r < rowCount; r++)
                    for (var j = 0; j < 4; j++)
                        scores[(q + j) * rowCount + r] = TensorPrimitives.Dot(queries.Slice((q + j) * dim, dim), rows.Slice(r * dim, dim));
            }
        }
        for (; q < queryCount; q++)
        {
            var query = queries.Slice(q * dim, dim);
            var r = 0;
            // Leftover queries are memory-bound: four rows per pass keep four independent FMA chains busy.
            if (Vector512.IsHardwareAccelerated && dim % Vector512<float>.Count == 0)
                for (; r + 4 <= rowCount; r += 4)
                    Tile1x4V512(query, rows.Slice(r * dim, 4 * dim), dim, scores.Slice(q * rowCount + r, 4));
            for (; r < rowCount; r++)
                scores[q * rowCount + r] = TensorPrimitives.Dot(query, rows.Slice(r * dim, dim));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x4V512(ReadOnlySpan<float> query, ReadOnlySpan<float> r4, int dim, Span<float> scores)
    {
        ref var q0 = ref MemoryMarshal.GetReference(query);
        ref var r0 = ref MemoryMarshal.GetReference(r4);
        ref var r1 = ref Unsafe.Add(ref r0, dim);
        ref var r2 = ref Unsafe.Add(ref r0, 2 * dim);
        ref var r3 = ref Unsafe.Add(ref r0, 3 * dim);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)dim; i += (nuint)Vector512<float>.Count)
        {
            var y = Vector512.LoadUnsafe(ref q0, i);
            a0 = Vector512.FusedMultiplyAdd(y, Vector512.LoadUnsafe(ref r0, i), a0);
            a1 = Vector512.FusedMultiplyAdd(y, Vector512.LoadUnsafe(ref r1, i), a1);
            a2 = Vector512.FusedMultiplyAdd(y, Vector512.LoadUnsafe(ref r2, i), a2);
            a3 = Vector512.FusedMultiplyAdd(y, Vector512.LoadUnsafe(ref r3, i), a3);
        }
        scores[0] = Vector512.Sum(a0);
        scores[1] = Vector512.Sum(a1);
        scores[2] = Vector512.Sum(a2);
        scores[3] = Vector512.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2V512(ReadOnlySpan<float> q4, ReadOnlySpan<float> r2, int dim, Span<float> scores, int at, int stride)
    {
        ref var q0 = ref MemoryMarshal.GetReference(q4);
        ref var q1 = ref Unsafe.Add(ref q0, dim);
        ref var q2 = ref Unsafe.Add(ref q0, 2 * dim);
        ref var q3 = ref Unsafe.Add(ref q0, 3 * dim);
        ref var r0 = ref MemoryMarshal.GetReference(r2);
        ref var r1 = ref Unsafe.Add(ref r0, dim);
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (nuint i = 0; i < (nuint)dim; i += (nuint)Vector512<float>.Count)
        {
            var x0 = Vector512.LoadUnsafe(ref r0, i);
            var x1 = Vector512.LoadUnsafe(ref r1, i);
            var y = Vector512.LoadUnsafe(ref q0, i);
            a00 = Vector512.FusedMultiplyAdd(y, x0, a00);
            a01 = Vector512.FusedMultiplyAdd(y, x1, a01);
            y = Vector512.LoadUnsafe(ref q1, i);
            a10 = Vector512.FusedMultiplyAdd(y, x0, a10);
            a11 = Vector512.FusedMultiplyAdd(y, x1, a11);
            y = Vector512.LoadUnsafe(ref q2, i);
            a20 = Vector512.FusedMultiplyAdd(y, x0, a20);
            a21 = Vector512.FusedMultiplyAdd(y, x1, a21);
            y = Vector512.LoadUnsafe(ref q3, i);
            a30 = Vector512.FusedMultiplyAdd(y, x0, a30);
            a31 = Vector512.FusedMultiplyAdd(y, x1, a31);
        }
        scores[at] = Vector512.Sum(a00);
        scores[at + 1] = Vector512.Sum(a01);
        scores[at + stride] = Vector512.Sum(a10);
        scores[at + stride + 1] = Vector512.Sum(a11);
        scores[at + 2 * stride] = Vector512.Sum(a20);
        scores[at + 2 * stride + 1] = Vector512.Sum(a21);
        scores[at + 3 * stride] = Vector512.Sum(a30);
        scores[at + 3 * stride + 1] = Vector512.Sum(a31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2V256(ReadOnlySpan<float> q4, ReadOnlySpan<float> r2, int dim, Span<float> scores, int at, int stride)
    {
        ref var q0 = ref MemoryMarshal.GetReference(q4);
        ref var q1 = ref Unsafe.Add(ref q0, dim);
        ref var q2 = ref Unsafe.Add(ref q0, 2 * dim);
        ref var q3 = ref Unsafe.Add(ref q0, 3 * dim);
        ref var r0 = ref MemoryMarshal.GetReference(r2);
        ref var r1 = ref Unsafe.Add(ref r0, dim);
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (nuint i = 0; i < (nuint)dim; i += (nuint)Vector256<float>.Count)
        {
            var x0 = Vector256.LoadUnsafe(ref r0, i);
            var x1 = Vector256.LoadUnsafe(ref r1, i);
            var y = Vector256.LoadUnsafe(ref q0, i);
            a00 = Vector256.FusedMultiplyAdd(y, x0, a00);
            a01 = Vector256.FusedMultiplyAdd(y, x1, a01);
            y = Vector256.LoadUnsafe(ref q1, i);
            a10 = Vector256.FusedMultiplyAdd(y, x0, a10);
            a11 = Vector256.FusedMultiplyAdd(y, x1, a11);
            y = Vector256.LoadUnsafe(ref q2, i);
            a20 = Vector256.FusedMultiplyAdd(y, x0, a20);
            a21 = Vector256.FusedMultiplyAdd(y, x1, a21);
            y = Vector256.LoadUnsafe(ref q3, i);
            a30 = Vector256.FusedMultiplyAdd(y, x0, a30);
            a31 = Vector256.FusedMultiplyAdd(y, x1, a31);
        }
        scores[at] = Vector256.Sum(a00);
        scores[at + 1] = Vector256.Sum(a01);
        scores[at + stride] = Vector256.Sum(a10);
        scores[at + stride + 1] = Vector256.Sum(a11);
        scores[at + 2 * stride] = Vector256.Sum(a20);
        scores[at + 2 * stride + 1] = Vector256.Sum(a21);
        scores[at + 3 * stride] = Vector256.Sum(a30);
        scores[at + 3 * stride + 1] = Vector256.Sum(a31);
    }
}
