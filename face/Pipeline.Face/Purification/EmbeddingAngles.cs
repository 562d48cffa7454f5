using System.Numerics.Tensors;
using TorchSharp;

namespace Pipeline.Face.Purification;

/// <summary>The geometry the drop scores are made of: cosines and angles between normalised embeddings and centers.</summary>
public static class EmbeddingAngles
{
    /// <summary>
    /// Each sample's angle (degrees) to its own class's row of <paramref name="centers"/> (classes x dim, normalised)
    /// and to the nearest other class's row, and which class that is; all-zero rows (classes without samples) are
    /// never the nearest. O(N x classes x dim) as blocks of samples times all centers, one libtorch matrix product
    /// each, far faster than a dot product per pair (bench/experiments/class-margin-at-scale.md).
    /// </summary>
    public static ClassCenterAngles AnglesToCenters(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, ReadOnlySpan<float> centers)
    {
        int n = labels.Count, classes = centers.Length / dim;
        if (embeddings.Length != n * dim) throw new ArgumentException("embeddings must be N x dim");
        if (centers.Length != classes * dim) throw new ArgumentException("centers must be classes x dim");
        var absent = new bool[classes];
        for (int c = 0; c < classes; c++) absent[c] = !(TensorPrimitives.Norm(centers.Slice(c * dim, dim)) > 0); // NaN rows too
        var e = embeddings.ToArray();
        var w = centers.ToArray();
        var own = new double[n];
        var other = new double[n];
        var otherClass = new int[n];
        // Rows per block: the block's cosines (rows x classes floats) stay near 64 MB whatever the class count.
        int rows = Math.Clamp((1 << 24) / Math.Max(classes, 1), 1, 4096);
        TorchRuntime.OnOwnThread(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var centersT = torch.tensor(w, [classes, dim]).t();
            var absentT = torch.tensor(absent).unsqueeze(0);
            for (int start = 0; start < n; start += rows)
            {
                int b = Math.Min(rows, n - start);
                using var block = torch.NewDisposeScope();
                var cos = torch.tensor(e.AsSpan(start * dim, b * dim).ToArray(), [b, dim]).mm(centersT);
                var lab = torch.tensor(Enumerable.Range(start, b).Select(i => (long)labels[i]).ToArray()).unsqueeze(1);
                var ownCos = cos.gather(1, lab).squeeze(1).data<float>().ToArray();
                cos.scatter_(1, lab, torch.full([b, 1], float.NegativeInfinity)).masked_fill_(absentT, float.NegativeInfinity);
                var (best, bestClass) = cos.max(1);
                var bestCos = best.data<float>().ToArray();
                var bestIndex = bestClass.data<long>().ToArray();
                for (int k = 0; k < b; k++)
                {
                    own[start + k] = AngleDegrees(ownCos[k]);
                    bool none = float.IsNegativeInfinity(bestCos[k]); // no other class has samples
                    otherClass[start + k] = none ? -1 : (int)bestIndex[k];
                    other[start + k] = none ? 180 : AngleDegrees(bestCos[k]);
                }
            }
            return 0;
        });
        return new ClassCenterAngles(own, other, otherClass);
    }

    /// <summary>Each sample's angle (degrees) to the normalised mean embedding of its class.</summary>
    public static double[] ClassMeanAngles(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, int classes) =>
        AnglesToClassCenters(embeddings, dim, labels, ClassMeans(embeddings, dim, labels, classes));

    /// <summary>classes x dim: each class's normalised mean embedding over the samples <paramref name="include"/> takes (all by default); zero for a class with none.</summary>
    public static float[] ClassMeans(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, int classes, Func<int, bool>? include = null)
    {
        var means = new float[classes * dim];
        AddToClassSums(means, embeddings, dim, labels, include);
        Normalise(means, dim);
        return means;
    }

    /// <summary>Adds each sample's embedding to its class's row of <paramref name="sums"/> (classes x dim): class means summed over shards.</summary>
    public static void AddToClassSums(Span<float> sums, ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, Func<int, bool>? include = null)
    {
        if (embeddings.Length != labels.Count * dim) throw new ArgumentException("embeddings must be N x dim");
        for (int i = 0; i < labels.Count; i++)
        {
            if (include is not null && !include(i)) continue;
            var sum = sums.Slice(labels[i] * dim, dim);
            TensorPrimitives.Add(sum, embeddings.Slice(i * dim, dim), sum);
        }
    }

    /// <summary>Scales every row of <paramref name="rows"/> (rows x dim) to unit length; all-zero rows stay zero.</summary>
    public static void Normalise(Span<float> rows, int dim)
    {
        for (int r = 0; r < rows.Length / dim; r++)
        {
            var row = rows.Slice(r * dim, dim);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
    }

    /// <summary>Each sample's angle (degrees) to its own class's row of <paramref name="centers"/> (classes x dim).</summary>
    public static double[] AnglesToClassCenters(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, ReadOnlySpan<float> centers)
    {
        var angles = new double[labels.Count];
        for (int i = 0; i < angles.Length; i++)
            angles[i] = AngleDegrees(TensorPrimitives.Dot(embeddings.Slice(i * dim, dim), centers.Slice(labels[i] * dim, dim)));
        return angles;
    }

    /// <summary>The angle, in degrees, between unit vectors with this cosine.</summary>
    public static double AngleDegrees(float cosine) => Math.Acos(Math.Clamp(cosine, -1f, 1f)) * 180.0 / Math.PI;

    /// <summary>Each sample's cosine to each of its own class's K sub-centers (N x K): all the rule needs.</summary>
    public static float[] OwnClassCosines(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, ReadOnlySpan<float> subCenters, int k)
    {
        int n = labels.Count;
        if (embeddings.Length != n * dim) throw new ArgumentException("embeddings must be N x dim");
        var cosines = new float[n * k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
                cosines[i * k + j] = TensorPrimitives.Dot(embeddings.Slice(i * dim, dim), subCenters.Slice((labels[i] * k + j) * dim, dim));
        return cosines;
    }
}
