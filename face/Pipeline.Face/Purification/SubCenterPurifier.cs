using System.Numerics.Tensors;
using TorchSharp;

namespace Pipeline.Face.Purification;

/// <summary>
/// The paper's automatic cleaning (section 3.4): with a sub-center model, each sample goes to
/// its nearest sub-center among its class's K; the sub-center with the most samples is the
/// class's dominant one; a sample is kept only if its angle to the dominant sub-center is under
/// the threshold (or, with <see cref="DropScore.ClassMean"/>, the angle to the class's mean
/// embedding is; with <see cref="DropScore.ClassMargin"/>, that angle less the angle to the nearest
/// other class's mean, plus 90). Pure arithmetic on normalised embeddings and centers: no model, no I/O.
/// </summary>
public static class SubCenterPurifier
{
    /// <param name="embeddings">N x dim, L2-normalised.</param>
    /// <param name="subCenters">classes x K x dim, L2-normalised.</param>
    public static PurificationReport Decide(float[] embeddings, int dim, IReadOnlyList<int> labels,
        ReadOnlySpan<float> subCenters, int k, IReadOnlyList<string> paths, IReadOnlyList<string> identities, DropRule rule)
    {
        if (subCenters.Length != identities.Count * k * dim) throw new ArgumentException("sub-centers must be classes x K x dim");
        var cosines = OwnClassCosines(embeddings, dim, labels, subCenters, k);
        var toMeans = rule.Score == DropScore.DominantSubCenter ? null
            : ClassCentreScoring.ForRuleAsync(EmbeddingChunks.InMemory(embeddings, dim, labels, identities.Count), rule).GetAwaiter().GetResult();
        return Decide(cosines, k, labels, paths, identities, rule, toMeans);
    }

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

    /// <param name="cosines">N x K: each sample's cosine to its own class's sub-centers.</param>
    /// <param name="toClassMeans">With <see cref="DropScore.ClassMean"/> or <see cref="DropScore.ClassMargin"/>: each
    /// sample's angles to its class mean and the nearest other (<see cref="AnglesToCenters"/> of <see cref="ClassMeans"/>).</param>
    public static PurificationReport Decide(ReadOnlySpan<float> cosines, int k, IReadOnlyList<int> labels,
        IReadOnlyList<string> paths, IReadOnlyList<string> identities, DropRule rule, ClassCenterAngles? toClassMeans = null)
    {
        bool byMean = rule.Score != DropScore.DominantSubCenter;
        if (byMean && (toClassMeans?.Own.Count != labels.Count || rule.Score == DropScore.ClassMargin && toClassMeans.NearestOther.Count != labels.Count))
            throw new ArgumentException($"the {DropRule.ScoreName(rule.Score)} score needs every sample's angle to the class means (embeddings, not only cosines)");
        int n = labels.Count, classes = identities.Count;
        if (cosines.Length != n * k) throw new ArgumentException("cosines must be N x K");
        var nearest = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int j = 1; j < k; j++)
                if (cosines[i * k + j] > cosines[i * k + best]) best = j;
            nearest[i] = best;
        }

        var counts = new int[classes * k];
        for (int i = 0; i < n; i++) counts[labels[i] * k + nearest[i]]++;
        var dominant = new int[classes];
        for (int c = 0; c < classes; c++)
            for (int j = 1; j < k; j++)
                if (counts[c * k + j] > counts[c * k + dominant[c]]) dominant[c] = j;

        var angles = new double[n];
        for (int i = 0; i < n; i++)
            angles[i] = rule.Score switch
            {
                DropScore.ClassMean => toClassMeans!.Own[i],
                DropScore.ClassMargin => toClassMeans!.Margin(i),
                _ => AngleDegrees(cosines[i * k + dominant[labels[i]]]),
            };

        // The unwhitened class margin's clean mode has a long right tail, so its threshold fits that mode as a split normal;
        // the whitened margin's clean mode is symmetric and the angle scores lose recall with a split normal, so those keep
        // the Gaussian mixture (bench/experiments/split-normal-threshold.md, within-class-whitening.md).
        bool whitened = toClassMeans?.Whitening is not null;
        ThresholdChoice? choice = rule.IsAuto
            ? AngleThreshold.AtPosterior(AngleThreshold.Choose(angles, skewedClean: rule.Score == DropScore.ClassMargin && !whitened,
                toClassMeans?.ConfidentNoise), rule.NoisePosterior)
            : null;
        double threshold = choice?.Degrees ?? rule.AngleDegrees;

        var decisions = new SampleDecision[n];
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            int c = labels[i];
            bool keep = angles[i] < threshold;
            string where = nearest[i] == dominant[c] ? "nearest to the dominant sub-center" : $"nearest to non-dominant sub-center {nearest[i]}";
            string under = keep ? "under" : "not under";
            string reason = rule.Score switch
            {
                DropScore.ClassMean => $"{angles[i]:F1} deg to the class mean{(whitened ? " (whitened)" : "")}, {under} {threshold:F1} ({where})",
                DropScore.ClassMargin => $"margin {angles[i]:F1} ({(whitened ? "whitened: " : "")}{toClassMeans!.Own[i]:F1} deg to the class mean, {toClassMeans.NearestOther[i]:F1} to "
                    + $"{(toClassMeans.NearestOtherClass[i] < 0 ? "no other class" : identities[toClassMeans.NearestOtherClass[i]])}'s, + 90), {under} {threshold:F1} ({where})",
                _ => $"{angles[i]:F1} deg to dominant sub-center {dominant[c]}, {under} {threshold:F1} ({where})",
            };
            decisions[i] = new SampleDecision(paths[i], identities[c], keep ? PurificationReport.KeepDecision : PurificationReport.DropDecision,
                reason, Math.Round(angles[i], 3), nearest[i], dominant[c]);
            if (keep) kept++;
        }
        return new PurificationReport(rule.IsAuto ? "auto" : "angle", threshold, choice, kept, n - kept, decisions, DropRule.ScoreName(rule.Score))
        {
            Whitening = toClassMeans?.Whitening,
            Warning = choice is null ? null : ThresholdWarning.For(choice, n - kept, n, toClassMeans?.Whitening),
        };
    }
}

/// <summary>
/// Each sample's angle (degrees) to its own class's center, to the nearest other class's center, and that class (-1: none);
/// the last two are empty when only the own angles were measured.
/// </summary>
public sealed record ClassCenterAngles(IReadOnlyList<double> Own, IReadOnlyList<double> NearestOther, IReadOnlyList<int> NearestOtherClass)
{
    /// <summary>Set when the angles were measured in the within-class-whitened space (<see cref="ClassCentreScoring.WhitenedAsync"/>).</summary>
    public WhiteningSummary? Whitening { get; init; }

    /// <summary>The share of the set estimated to be noise by <see cref="ConfidentJoint"/>, or null when not measured.</summary>
    public double? ConfidentNoise { get; init; }

    /// <summary>The class-margin score: own angle less the nearest other's, plus 90 (under 90: the own class is the nearest).</summary>
    public double Margin(int i) => Own[i] - NearestOther[i] + 90;

    /// <summary>Every sample's score under a class-centre rule: the angle to the class mean, or the class margin.</summary>
    public IReadOnlyList<double> Scores(DropScore score) => score switch
    {
        DropScore.ClassMean => Own,
        DropScore.ClassMargin when NearestOther.Count == Own.Count => Enumerable.Range(0, Own.Count).Select(Margin).ToArray(),
        DropScore.ClassMargin => throw new InvalidOperationException("the class margin needs the angles to the nearest other class"),
        _ => throw new ArgumentException($"{DropRule.ScoreName(score)} is not a class-centre score"),
    };
}
