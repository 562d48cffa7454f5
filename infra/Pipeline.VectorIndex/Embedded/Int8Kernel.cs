using System.Runtime.Intrinsics.X86;
using I8 = Pipeline.VectorIndex.Embedded.VectorTiles<Pipeline.VectorIndex.Embedded.Int8Ops256, sbyte, byte,
    System.Runtime.Intrinsics.Vector256<sbyte>, System.Runtime.Intrinsics.Vector256<byte>, System.Runtime.Intrinsics.Vector256<int>>;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// Scores a block of int8 query codes against a block of uint8 row codes (<see cref="ScalarQuantizer"/>) with
/// AVX-VNNI multiply-adds (<see cref="Int8Ops256"/>), register-blocked as <see cref="DotKernel"/> is. Without
/// AVX-VNNI a plain loop gives the same sums.
/// </summary>
internal static class Int8Kernel
{
    /// <summary>
    /// scores[q * rowCount + r] = sum over i of queries[q * stride + i] * codes[r * stride + i];
    /// <paramref name="stride"/> is a multiple of 32.
    /// </summary>
    public static void Scores(ReadOnlySpan<sbyte> queries, int queryCount, ReadOnlySpan<byte> codes, int rowCount, int stride, Span<float> scores)
    {
        if (AvxVnni.IsSupported)
            I8.Scores(queries, queryCount, codes, rowCount, stride, scores);
        else
            for (var q = 0; q < queryCount; q++)
                for (var r = 0; r < rowCount; r++)
                    scores[q * rowCount + r] = Int8Ops256.Dot(queries.Slice(q * stride, stride), codes.Slice(r * stride, stride));
    }
}
