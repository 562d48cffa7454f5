using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// One SIMD multiply-add step of a scan kernel: load a query vector and a row vector, accumulate their products.
/// The register tiles (<see cref="VectorTiles{TOps, TQuery, TRow, TQueryVector, TRowVector, TSum}"/>) are written once
/// over it and specialised by the JIT for each implementation (float32 FMA, int8 VNNI).
/// </summary>
internal interface ITileOps<TQuery, TRow, TQueryVector, TRowVector, TSum>
    where TQuery : unmanaged where TRow : unmanaged where TSum : struct
{
    /// <summary>Elements per vector.</summary>
    static abstract int Width { get; }
    static abstract TQueryVector LoadQuery(ref TQuery source, nuint at);
    static abstract TRowVector LoadRow(ref TRow source, nuint at);
    static abstract TSum MultiplyAdd(TSum sum, TRowVector row, TQueryVector query);
    static abstract float Total(TSum sum);

    /// <summary>One dot product without tiling: for the rows and queries left over.</summary>
    static abstract float Dot(ReadOnlySpan<TQuery> query, ReadOnlySpan<TRow> row);
}

/// <summary>
/// Register-blocked dot products: four queries times two rows share every load (a batch, served from cache), or one
/// query against four rows per pass (a lone query: four independent accumulation chains). <c>length</c> is a
/// multiple of the vector width.
/// </summary>
internal static class VectorTiles<TOps, TQuery, TRow, TQueryVector, TRowVector, TSum>
    where TOps : ITileOps<TQuery, TRow, TQueryVector, TRowVector, TSum>
    where TQuery : unmanaged where TRow : unmanaged where TSum : struct
{
    /// <summary>
    /// scores[q * rowCount + r] = dot(queries[q], rows[r]) for q &lt; queryCount, r &lt; rowCount; both inputs are
    /// row-major with <paramref name="length"/> elements per vector.
    /// </summary>
    public static void Scores(ReadOnlySpan<TQuery> queries, int queryCount, ReadOnlySpan<TRow> rows, int rowCount, int length, Span<float> scores)
    {
        var q = 0;
        for (; q + 4 <= queryCount; q += 4)
        {
            var r = 0;
            for (; r + 2 <= rowCount; r += 2)
                Tile4x2(queries.Slice(q * length, 4 * length), rows.Slice(r * length, 2 * length), length, scores, q * rowCount + r, rowCount);
            for (; r < rowCount; r++)
                for (var j = 0; j < 4; j++)
                    scores[(q + j) * rowCount + r] = TOps.Dot(queries.Slice((q + j) * length, length), rows.Slice(r * length, length));
        }
        for (; q < queryCount; q++)
        {
            var query = queries.Slice(q * length, length);
            var r = 0;
            for (; r + 4 <= rowCount; r += 4)
                Tile1x4(query, rows.Slice(r * length, 4 * length), length, scores.Slice(q * rowCount + r, 4));
            for (; r < rowCount; r++)
                scores[q * rowCount + r] = TOps.Dot(query, rows.Slice(r * length, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x4(ReadOnlySpan<TQuery> query, ReadOnlySpan<TRow> r4, int length, Span<float> scores)
    {
        ref var q0 = ref MemoryMarshal.GetReference(query);
        ref var r0 = ref MemoryMarshal.GetReference(r4);
        ref var r1 = ref Unsafe.Add(ref r0, length);
        ref var r2 = ref Unsafe.Add(ref r0, 2 * length);
        ref var r3 = ref Unsafe.Add(ref r0, 3 * length);
        TSum a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)length; i += (nuint)TOps.Width)
        {
            var y = TOps.LoadQuery(ref q0, i);
            a0 = TOps.MultiplyAdd(a0, TOps.LoadRow(ref r0, i), y);
            a1 = TOps.MultiplyAdd(a1, TOps.LoadRow(ref r1, i), y);
            a2 = TOps.MultiplyAdd(a2, TOps.LoadRow(ref r2, i), y);
            a3 = TOps.MultiplyAdd(a3, TOps.LoadRow(ref r3, i), y);
        }
        scores[0] = TOps.Total(a0);
        scores[1] = TOps.Total(a1);
        scores[2] = TOps.Total(a2);
        scores[3] = TOps.Total(a3);
    }

    /// <summary>Scores of four queries against two rows, written at <paramref name="at"/> with rows <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2(ReadOnlySpan<TQuery> q4, ReadOnlySpan<TRow> r2, int length, Span<float> scores, int at, int stride)
    {
        ref var q0 = ref MemoryMarshal.GetReference(q4);
        ref var q1 = ref Unsafe.Add(ref q0, length);
        ref var q2 = ref Unsafe.Add(ref q0, 2 * length);
        ref var q3 = ref Unsafe.Add(ref q0, 3 * length);
        ref var r0 = ref MemoryMarshal.GetReference(r2);
        ref var r1 = ref Unsafe.Add(ref r0, length);
        TSum a00 = default, a01 = default, a10 = default, a11 = default;
        TSum a20 = default, a21 = default, a30 = default, a31 = default;
        for (nuint i = 0; i < (nuint)length; i += (nuint)TOps.Width)
        {
            var x0 = TOps.LoadRow(ref r0, i);
            var x1 = TOps.LoadRow(ref r1, i);
            var y = TOps.LoadQuery(ref q0, i);
            a00 = TOps.MultiplyAdd(a00, x0, y);
            a01 = TOps.MultiplyAdd(a01, x1, y);
            y = TOps.LoadQuery(ref q1, i);
            a10 = TOps.MultiplyAdd(a10, x0, y);
            a11 = TOps.MultiplyAdd(a11, x1, y);
            y = TOps.LoadQuery(ref q2, i);
            a20 = TOps.MultiplyAdd(a20, x0, y);
            a21 = TOps.MultiplyAdd(a21, x1, y);
            y = TOps.LoadQuery(ref q3, i);
            a30 = TOps.MultiplyAdd(a30, x0, y);
            a31 = TOps.MultiplyAdd(a31, x1, y);
        }
        scores[at] = TOps.Total(a00);
        scores[at + 1] = TOps.Total(a01);
        scores[at + stride] = TOps.Total(a10);
        scores[at + stride + 1] = TOps.Total(a11);
        scores[at + 2 * stride] = TOps.Total(a20);
        scores[at + 2 * stride + 1] = TOps.Total(a21);
        scores[at + 3 * stride] = TOps.Total(a30);
        scores[at + 3 * stride + 1] = TOps.Total(a31);
    }
}

/// <summary>float32 fused multiply-add, 16 lanes.</summary>
internal readonly struct FloatOps512 : ITileOps<float, float, Vector512<float>, Vector512<float>, Vector512<float>>
{
    public static int Width => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LoadQuery(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LoadRow(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> sum, Vector512<float> row, Vector512<float> query) => Vector512.FusedMultiplyAdd(query, row, sum);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Total(Vector512<float> sum) => Vector512.Sum(sum);
    public static float Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> row) => TensorPrimitives.Dot(query, row);
}

/// <summary>float32 fused multiply-add, 8 lanes.</summary>
internal readonly struct FloatOps256 : ITileOps<float, float, Vector256<float>, Vector256<float>, Vector256<float>>
{
    public static int Width => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadQuery(ref float source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadRow(ref float source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> sum, Vector256<float> row, Vector256<float> query) => Vector256.FusedMultiplyAdd(query, row, sum);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Total(Vector256<float> sum) => Vector256.Sum(sum);
    public static float Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> row) => TensorPrimitives.Dot(query, row);
}

/// <summary>int8 query times uint8 row codes, 32 products summed into 8 int32 lanes per instruction (AVX-VNNI).</summary>
internal readonly struct Int8Ops256 : ITileOps<sbyte, byte, Vector256<sbyte>, Vector256<byte>, Vector256<int>>
{
    public static int Width => Vector256<byte>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<sbyte> LoadQuery(ref sbyte source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> LoadRow(ref byte source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> MultiplyAdd(Vector256<int> sum, Vector256<byte> row, Vector256<sbyte> query) => AvxVnni.MultiplyWideningAndAdd(sum, row, query);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Total(Vector256<int> sum) => Vector256.Sum(sum);

    public static float Dot(ReadOnlySpan<sbyte> query, ReadOnlySpan<byte> row)
    {
        var sum = 0;
        for (var i = 0; i < query.Length; i++) sum += query[i] * row[i];
        return sum;
    }
}
