namespace Pipeline.Face.Evaluation;

/// <summary>
/// Verification the way the field reports it. Scores are similarities (cosine of normalised
/// embeddings): higher means "same". Accuracy follows LFW: 10 folds in file order (no
/// shuffling); for each fold the threshold that is best on the other 9 is applied to it.
/// </summary>
public static class Verification
{
    public static readonly double[] StandardFars = [1e-2, 1e-3, 1e-4];

    public static VerificationResult Evaluate(ReadOnlySpan<double> scores, ReadOnlySpan<bool> same, int folds = 10, int[]? foldOf = null)
    {
        int n = scores.Length;
        if (same.Length != n) throw new ArgumentException("one label per score");
        if (n < folds) throw new ArgumentException($"{n} pairs cannot make {folds} folds");
        var fold = foldOf ?? Enumerable.Range(0, n).Select(i => (int)((long)i * folds / n)).ToArray();
        var candidates = Thresholds(scores);
        var accs = new double[folds];
        var ths = new double[folds];
        for (int f = 0; f < folds; f++)
        {
            double best = -1, bestTh = 0;
            foreach (var t in candidates)
            {
                double acc = Accuracy(scores, same, fold, f, exclude: true, t);
                if (acc > best) { best = acc; bestTh = t; }
            }
            ths[f] = bestTh;
            accs[f] = Accuracy(scores, same, fold, f, exclude: false, bestTh);
        }
        double mean = accs.Average();
        double std = Math.Sqrt(accs.Select(a => (a - mean) * (a - mean)).Sum() / folds);
        var tars = new List<TarAtFar>();
        foreach (var far in StandardFars) tars.Add(TarAt(scores, same, far));
        return new VerificationResult(mean, std, accs, ths, tars, n);
    }

    /// <summary>
    /// TAR at the threshold that accepts at most <paramref name="far"/> of impostor pairs. Null
    /// when fewer than 1/far impostor pairs exist: such a FAR cannot be measured, only guessed.
    /// </summary>
    public static TarAtFar TarAt(ReadOnlySpan<double> scores, ReadOnlySpan<bool> same, double far)
    {
        var impostor = new List<double>();
        var genuine = new List<double>();
        for (int i = 0; i < scores.Length; i++) (same[i] ? genuine : impostor).Add(scores[i]);
        if (genuine.Count == 0 || impostor.Count < Math.Ceiling(1.0 / far)) return new TarAtFar(far, null, null);
        impostor.Sort((a, b) => b.CompareTo(a));
        int allowed = (int)Math.Floor(far * impostor.Count); // impostors allowed above the threshold
        double threshold = impostor[allowed];                 // accept strictly above it
        double tar = genuine.Count(g => g > threshold) / (double)genuine.Count;
        return new TarAtFar(far, tar, threshold);
    }

    private static double Accuracy(ReadOnlySpan<double> scores, ReadOnlySpan<bool> same, int[] fold, int f, bool exclude, double threshold)
    {
        int right = 0, total = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if ((fold[i] == f) == exclude) continue;
            total++;
            if ((scores[i] > threshold) == same[i]) right++;
        }
        return total == 0 ? 0 : (double)right / total;
    }

    /// <summary>Midpoints between consecutive distinct scores, plus both ends: every distinct decision.</summary>
    private static double[] Thresholds(ReadOnlySpan<double> scores)
    {
        var s = scores.ToArray();
        Array.Sort(s);
        var t = new List<double>(s.Length + 1) { s[0] - 1e-6 };
        for (int i = 1; i < s.Length; i++)
            if (s[i] > s[i - 1]) t.Add((s[i] + s[i - 1]) / 2);
        t.Add(s[^1] + 1e-6);
        return t.ToArray();
    }

    /// <summary>Cosine of two rows of L2-normalised embeddings.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
