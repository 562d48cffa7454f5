using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Per-dimension affine 8-bit codes: a row's code is round((x - lo) / step) in [0, 255], with lo and step fitted
/// to the rows' range in each dimension. A query folds the steps into itself and is rounded to int8, so that
/// sum(queryCode * rowCode) ranks rows as their dot products with the query do, up to a per-query constant
/// (sum(query * lo)) and rounding. Codes are padded with zeros to <see cref="Stride"/> bytes for the kernel.
/// </summary>
internal sealed class ScalarQuantizer
{
    private const int Alignment = 32; // the kernel's vector width in bytes
    private readonly float[] _step;
    private readonly float[] _inverseStep;
    private readonly float[] _offset; // -lo / step: code = x / step + offset

    private ScalarQuantizer(float[] lo, float[] step)
    {
        _step = step;
        _inverseStep = step.Select(s => 1 / s).ToArray();
        _offset = lo.Zip(step, (l, s) => -l / s).ToArray();
        Stride = (lo.Length + Alignment - 1) / Alignment * Alignment;
    }

    public int Dimension => _step.Length;

    /// <summary>Bytes per code row (the dimension rounded up to the kernel's width).</summary>
    public int Stride { get; }

    /// <summary>Fits lo and step to the range of each dimension over every row of the store.</summary>
    public static ScalarQuantizer Fit(VectorStore store)
    {
        var dim = store.Dimension;
        var lo = Enumerable.Repeat(float.PositiveInfinity, dim).ToArray();
        var hi = Enumerable.Repeat(float.NegativeInfinity, dim).ToArray();
        var gate = new object();
        var chunks = (store.Count + VectorStore.ChunkRows - 1) / VectorStore.ChunkRows;
        Parallel.For(0, chunks,
            () => (Lo: Enumerable.Repeat(float.PositiveInfinity, dim).ToArray(), Hi: Enumerable.Repeat(float.NegativeInfinity, dim).ToArray()),
            (chunk, _, range) =>
            {
                var first = chunk * VectorStore.ChunkRows;
                var rows = store.Rows(first, Math.Min(VectorStore.ChunkRows, store.Count - first));
                for (var at = 0; at < rows.Length; at += dim)
                {
                    TensorPrimitives.Min(range.Lo, rows.Slice(at, dim), range.Lo);
                    TensorPrimitives.Max(range.Hi, rows.Slice(at, dim), range.Hi);
                }
                return range;
            },
            range =>
            {
                lock (gate)
                {
                    TensorPrimitives.Min(lo, range.Lo, lo);
                    TensorPrimitives.Max(hi, range.Hi, hi);
                }
            });
        var step = new float[dim];
        for (var i = 0; i < dim; i++)
        {
            if (!float.IsFinite(lo[i])) (lo[i], hi[i]) = (-1, 1); // no rows yet: the whole range of a unit vector
            step[i] = Math.Max((hi[i] - lo[i]) / 255, 1e-6f); // a constant dimension still gets a usable step
        }
        return new ScalarQuantizer(lo, step);
    }

    /// <summary>Writes the code of a unit row into <paramref name="code"/> (<see cref="Stride"/> bytes); values outside the fitted range clamp.</summary>
    public void Encode(ReadOnlySpan<float> row, Span<byte> code)
    {
        Span<float> scaled = row.Length <= 1024 ? stackalloc float[row.Length] : new float[row.Length];
        TensorPrimitives.FusedMultiplyAdd(row, _inverseStep, _offset, scaled);
        TensorPrimitives.Round(scaled, scaled);
        ToBytes(scaled, code);
        code[row.Length..Stride].Clear();
    }

    /// <summary>Whole numbers to bytes, clamped to [0, 255]; 32 at a time (TensorPrimitives.ConvertSaturating does this element by element).</summary>
    private static void ToBytes(ReadOnlySpan<float> whole, Span<byte> bytes)
    {
        ref var from = ref MemoryMarshal.GetReference(whole);
        ref var to = ref MemoryMarshal.GetReference(bytes);
        var i = 0;
        for (; i + 32 <= whole.Length; i += 32)
        {
            var a = Clamped(ref from, i);
            var b = Clamped(ref from, i + 8);
            var c = Clamped(ref from, i + 16);
            var d = Clamped(ref from, i + 24);
            Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d)).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < whole.Length; i++) bytes[i] = (byte)Math.Clamp(whole[i], 0, 255);
    }

    private static Vector256<uint> Clamped(ref float from, int at) =>
        Vector256.ConvertToInt32(Vector256.MinNative(Vector256.MaxNative(Vector256.LoadUnsafe(ref from, (nuint)at), Vector256<float>.Zero), Vector256.Create(255f))).AsUInt32();

    /// <summary>Writes the int8 code of a query (<see cref="Stride"/> bytes): query * step, scaled so its largest component is 127.</summary>
    public void EncodeQuery(ReadOnlySpan<float> query, Span<sbyte> code)
    {
        Span<float> folded = query.Length <= 1024 ? stackalloc float[query.Length] : new float[query.Length];
        TensorPrimitives.Multiply(query, _step, folded);
        var largest = Math.Abs(TensorPrimitives.MaxMagnitude(folded)); // MaxMagnitude keeps the sign
        TensorPrimitives.Multiply(folded, largest > 0 ? 127 / largest : 0, folded);
        TensorPrimitives.Round(folded, folded);
        TensorPrimitives.ConvertSaturating<float, sbyte>(folded, code);
        code[query.Length..Stride].Clear();
    }
}
