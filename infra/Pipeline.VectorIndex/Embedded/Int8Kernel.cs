using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Scores a block of int8 query codes against a block of uint8 row codes (<see cref="ScalarQuantizer"/>) with
/// VNNI multiply-adds (32 byte products summed into int32 lanes per instruction), tiled as
/// <see cref="DotKernel"/> is: four queries times two rows share every load in a batch, four rows per pass for
/// a lone query. Without AVX-VNNI a plain loop gives the same sums.
/// </summary>
internal static class Int8Kernel
{
    /// <summary>
    /// scores[q * rowCount + r] = sum over i of queries[q * stride + i] * codes[r * stride + i];
    /// <paramref name="stride"/> is a multiple of 32.
    /// </summary>
    public static void Scores(ReadOnlySpan<sbyte> queries, int queryCount, ReadOnlySpan<byte> codes, int rowCount, int stride, Span<float> scores)
    {
        var q = 0;
        if (AvxVnni.IsSupported)
        {
            for (; q + 4 <= queryCount; q += 4)
            {
                var r = 0;
                for (; r + 2 <= rowCount; r += 2)
                    Tile4x2(queries.Slice(q * stride, 4 * stride), codes.Slice(r * stride, 2 * stride), stride, scores, q * rowCount + r, rowCount);
                for (; r < rowCount; r++)
                    for (var j = 0; j < 4; j++)
                        scores[(q + j) * rowCount + r] = Dot(queries.Slice((q + j) * stride, stride), codes.Slice(r * stride, stride));
            }
            for (; q < queryCount; q++)
            {
                var r = 0;
                for (; r + 4 <= rowCount; r += 4)
                    Tile1x4(queries.Slice(q * stride, stride), codes.Slice(r * stride, 4 * stride), stride, scores.Slice(q * rowCount + r, 4));
                for (; r < rowCount; r++)
                    scores[q * rowCount + r] = Dot(queries.Slice(q * stride, stride), codes.Slice(r * stride, stride));
            }
        }
        for (; q < queryCount; q++)
            for (var r = 0; r < rowCount; r++)
                scores[q * rowCount + r] = Dot(queries.Slice(q * stride, stride), codes.Slice(r * stride, stride));
    }

    private static float Dot(ReadOnlySpan<sbyte> query, ReadOnlySpan<byte> code)
    {
        var sum = 0;
        for (var i = 0; i < query.Length; i++) sum += query[i] * code[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x4(ReadOnlySpan<sbyte> query, ReadOnlySpan<byte> r4, int stride, Span<float> scores)
    {
        ref var q0 = ref MemoryMarshal.GetReference(query);
        ref var r0 = ref MemoryMarshal.GetReference(r4);
        ref var r1 = ref Unsafe.Add(ref r0, stride);
        ref var r2 = ref Unsafe.Add(ref r0, 2 * stride);
        ref var r3 = ref Unsafe.Add(ref r0, 3 * stride);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)stride; i += (nuint)Vector256<byte>.Count)
        {
            var y = Vector256.LoadUnsafe(ref q0, i);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.LoadUnsafe(ref r0, i), y);
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.LoadUnsafe(ref r1, i), y);
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, Vector256.LoadUnsafe(ref r2, i), y);
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, Vector256.LoadUnsafe(ref r3, i), y);
        }
        scores[0] = Vector256.Sum(a0);
        scores[1] = Vector256.Sum(a1);
        scores[2] = Vector256.Sum(a2);
        scores[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2(ReadOnlySpan<sbyte> q4, ReadOnlySpan<byte> r2, int stride, Span<float> scores, int at, int rowStride)
    {
        ref var q0 = ref MemoryMarshal.GetReference(q4);
        ref var q1 = ref Unsafe.Add(ref q0, stride);
        ref var q2 = ref Unsafe.Add(ref q0, 2 * stride);
        ref var q3 = ref Unsafe.Add(ref q0, 3 * stride);
        ref var r0 = ref MemoryMarshal.GetReference(r2);
        ref var r1 = ref Unsafe.Add(ref r0, stride);
        Vector256<int> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<int> a20 = default, a21 = default, a30 = default, a31 = default;
        for (nuint i = 0; i < (nuint)stride; i += (nuint)Vector256<byte>.Count)
        {
            var x0 = Vector256.LoadUnsafe(ref r0, i);
            var x1 = Vector256.LoadUnsafe(ref r1, i);
            var y = Vector256.LoadUnsafe(ref q0, i);
            a00 = AvxVnni.MultiplyWideningAndAdd(a00, x0, y);
            a01 = AvxVnni.MultiplyWideningAndAdd(a01, x1, y);
            y = Vector256.LoadUnsafe(ref q1, i);
            a10 = AvxVnni.MultiplyWideningAndAdd(a10, x0, y);
            a11 = AvxVnni.MultiplyWideningAndAdd(a11, x1, y);
            y = Vector256.LoadUnsafe(ref q2, i);
            a20 = AvxVnni.MultiplyWideningAndAdd(a20, x0, y);
            a21 = AvxVnni.MultiplyWideningAndAdd(a21, x1, y);
            y = Vector256.LoadUnsafe(ref q3, i);
            a30 = AvxVnni.MultiplyWideningAndAdd(a30, x0, y);
            a31 = AvxVnni.MultiplyWideningAndAdd(a31, x1, y);
        }
        scores[at] = Vector256.Sum(a00);
        scores[at + 1] = Vector256.Sum(a01);
        scores[at + rowStride] = Vector256.Sum(a10);
        scores[at + rowStride + 1] = Vector256.Sum(a11);
        scores[at + 2 * rowStride] = Vector256.Sum(a20);
        scores[at + 2 * rowStride + 1] = Vector256.Sum(a21);
        scores[at + 3 * rowStride] = Vector256.Sum(a30);
        scores[at + 3 * rowStride + 1] = Vector256.Sum(a31);
    }
}
