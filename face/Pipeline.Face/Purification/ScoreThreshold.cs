namespace Pipeline.Face.Purification;

/// <summary>
/// How an automatic threshold was reached, for the report: the score <see cref="Value"/> from which samples are dropped. With a skewed clean mode
/// (<see cref="CleanStdRight"/> set) CleanMean is that mode's peak and CleanStd its left-hand spread.
/// </summary>
public sealed record ThresholdChoice(double Value, string Method, double CleanMean, double CleanStd, double NoisyMean, double NoisyStd, double NoisyWeight, double Separation)
{
    /// <summary>The clean mode's right-hand spread when it was fitted as a split normal; null: Gaussian, CleanStd on both sides.</summary>
    public double? CleanStdRight { get; init; }

    /// <summary>The share of the set <see cref="ConfidentJoint"/> estimates to be noise; null when not measured (the dominant-sub-center score).</summary>
    public double? EstimatedNoise { get; init; }

    /// <summary>Whether the mixture found one mode only (no crossing to cut at).</summary>
    public bool SingleMode => Method.StartsWith(ScoreThreshold.SingleModePrefix, StringComparison.Ordinal);
}

/// <summary>
/// The automatic threshold, fitted to the distribution of a drop score (<see cref="DropScore"/>; higher is noisier): a
/// two-component 1-D Gaussian mixture (EM) separates the clean mode from the noisy one and the threshold is where their weighted densities cross. When the modes are not clearly
/// apart (Ashman's D &lt; 2, or a negligible second component) the shape says nothing about where noise starts: the cut
/// then drops the share of the set the labels' own evidence calls noise (<see cref="ConfidentJoint"/>, when it is at least
/// <see cref="MinEstimatedNoise"/>), and otherwise the set looks clean and only the far tail of the single mode goes
/// (median + 3 robust sigmas, never below the paper's angle). <see cref="ThresholdWarning"/> says when the cut stands on
/// the estimate alone (bench/experiments/threshold-noise-estimate.md).
/// </summary>
public static class ScoreThreshold
{
    public const string MixtureCrossing = "gaussian mixture crossing";
    public const string SkewedMixtureCrossing = "split-normal clean mode and gaussian noisy mode crossing";
    public const string SingleModePrefix = "single mode";
    public const string FarTail = SingleModePrefix + ": median + 3 robust sigma";

    public const string EstimateCutPrefix = "cut at the estimated noise rate";

    /// <summary>How far (as a ratio, either way) two modes' crossing may drop from the estimated noise share and still stand.</summary>
    public const double MaxEstimateRatio = 1.5;

    /// <summary>
    /// Least estimated noise share that a one-mode cut follows. Under it the set is taken as clean: the estimate counts
    /// identities the model confuses too (bench/experiments/threshold-noise-estimate.md).
    /// </summary>
    public const double MinEstimatedNoise = 0.05;

    /// <summary>The noisy mode's posterior where the two modes cross: the automatic threshold's default.</summary>
    public const double CrossingPosterior = 0.5;

    /// <summary>
    /// <paramref name="choice"/> moved to where its mixture's noisy mode claims a sample with <paramref name="posterior"/>
    /// (<see cref="PosteriorThreshold"/>): above 0.5 the cut moves toward the noise and drops fewer clean samples and less
    /// noise, by an amount the fitted modes set rather than a fixed amount of score, which does not carry over between
    /// models. A choice with one mode (nothing looks noisy) or the crossing's posterior comes back as it is.
    /// </summary>
    public static ThresholdChoice AtPosterior(ThresholdChoice choice, double posterior)
    {
        if (posterior is <= 0 or >= 1) throw new ArgumentException($"noise posterior must be in (0, 1) (got {posterior})");
        if (posterior == CrossingPosterior || choice.Method is not (MixtureCrossing or SkewedMixtureCrossing)) return choice;
        return PosteriorThreshold(choice, posterior) is { } moved
            ? choice with { Value = moved, Method = $"{choice.Method} moved to noise posterior {posterior:0.###}" }
            : choice;
    }

    /// <param name="skewedClean">
    /// Once the Gaussian mixture has found two modes, refit the clean one as a split normal (a spread of
    /// its own on each side of the peak) and cut where that crosses the noisy Gaussian. The class margin's
    /// clean mode has a long right tail of images the model has not fitted; a symmetric Gaussian hands that
    /// tail to the noisy mode, which then cuts into the clean samples (bench/experiments/split-normal-threshold.md).
    /// The test for two modes stays the Gaussian one.
    /// </param>
    /// <param name="estimatedNoise">The share of the set estimated to be noise (<see cref="ConfidentJoint"/>), or null.
    /// With one mode and at least <see cref="MinEstimatedNoise"/> of it, the cut drops that share of the highest scores.</param>
    public static ThresholdChoice Choose(IReadOnlyList<double> scores, bool skewedClean = false, double? estimatedNoise = null)
    {
        if (scores.Count < 10) return new ThresholdChoice(DropRule.PaperAngle, "too few samples: paper angle", 0, 0, 0, 0, 0, 0);
        var x = scores.OrderBy(a => a).ToArray();
        double median = x[x.Length / 2];
        double mad = 1.4826 * x.Select(a => Math.Abs(a - median)).OrderBy(a => a).ElementAt(x.Length / 2);
        double tail = Math.Max(DropRule.PaperAngle, median + 3 * Math.Max(mad, 1.0));

        var (w, mu, sd) = FitMixture(x);
        double separation = Math.Sqrt(2) * Math.Abs(mu[1] - mu[0]) / Math.Sqrt(sd[0] * sd[0] + sd[1] * sd[1]);
        double? noise = estimatedNoise is { } e ? Math.Round(e, 4) : null;
        if (separation < 2.0 || w[1] < 0.02)
        {
            if (noise is { } share && share >= MinEstimatedNoise)
                return new ThresholdChoice(EstimateCut(x, share), $"{SingleModePrefix}; {EstimateCutPrefix} {share:P0} (confident joint)",
                    mu[0], sd[0], mu[1], sd[1], w[1], separation) { EstimatedNoise = noise };
            return new ThresholdChoice(tail, FarTail, mu[0], sd[0], mu[1], sd[1], w[1], separation) { EstimatedNoise = noise };
        }

        if (skewedClean && FitSkewedMixture(x, w[1], mu, sd) is { } skewed)
        {
            var (w1, peak, left, right, m1, s1) = skewed;
            double skewedCrossing = Bisect(peak, m1, x => SplitLogDensity(x, 1 - w1, peak, left, right) > LogDensity(x, w1, m1, s1));
            return Reconciled(new ThresholdChoice(skewedCrossing, SkewedMixtureCrossing, peak, left, m1, s1, w1, separation) { CleanStdRight = right, EstimatedNoise = noise }, x, tail);
        }

        // Crossing of w0*N(mu0,sd0) and w1*N(mu1,sd1) between the two means.
        double crossing = Bisect(mu[0], mu[1], x => LogDensity(x, w[0], mu[0], sd[0]) > LogDensity(x, w[1], mu[1], sd[1]));
        return Reconciled(new ThresholdChoice(crossing, MixtureCrossing, mu[0], sd[0], mu[1], sd[1], w[1], separation) { EstimatedNoise = noise }, x, tail);
    }

    /// <summary>
    /// Two modes' crossing, unless the share it drops disagrees with the estimated noise by more than
    /// <see cref="MaxEstimateRatio"/> either way: the mixture then split something else (a clean mode in two, or the
    /// confusable identities off the rest), and the cut drops the estimated share instead, or only the far tail when the
    /// estimate says the set is clean (bench/experiments/threshold-noise-estimate.md).
    /// </summary>
    private static ThresholdChoice Reconciled(ThresholdChoice crossing, double[] sorted, double tail)
    {
        if (crossing.EstimatedNoise is not { } noise) return crossing;
        double dropped = (double)(sorted.Length - LowerBound(sorted, crossing.Value)) / sorted.Length;
        double expected = Math.Max(noise, MinEstimatedNoise);
        if (dropped <= MaxEstimateRatio * expected && (noise < MinEstimatedNoise || dropped >= noise / MaxEstimateRatio)) return crossing;
        string instead = $"not the {crossing.Method}'s {dropped:P0} at {crossing.Value:0.#}";
        return noise >= MinEstimatedNoise
            ? crossing with { Value = EstimateCut(sorted, noise), Method = $"{EstimateCutPrefix} {noise:P0} (confident joint), {instead}" }
            : crossing with { Value = tail, Method = $"{FarTail} (estimated noise {noise:P0}), {instead}" };
    }

    /// <summary>The score from which the highest <paramref name="share"/> of the sorted scores are dropped.</summary>
    private static double EstimateCut(double[] sorted, double share) => sorted[sorted.Length - Math.Max(1, (int)Math.Round(share * sorted.Length))];

    /// <summary>Log of w times the split normal's density, less the constant the Gaussian's <see cref="LogDensity"/> leaves out too.</summary>
    private static double SplitLogDensity(double x, double w, double peak, double left, double right)
    {
        double s = x < peak ? left : right;
        return Math.Log(w) + Math.Log(2 / (left + right)) - 0.5 * ((x - peak) / s) * ((x - peak) / s);
    }

    /// <summary>
    /// EM for a split-normal clean mode and a Gaussian noisy mode, started from the Gaussian fit; null when the
    /// noisy mode vanishes or ends below the clean peak. The split normal's M-step has closed-form spreads for
    /// a given peak (John 1982); the peak maximises the profile likelihood, searched on a grid between the 2nd
    /// and 90th percentiles, then by golden section, with prefix sums over the sorted scores so a step costs
    /// O(n) and not O(n x grid).
    /// </summary>
    private static (double W1, double Peak, double Left, double Right, double NoisyMean, double NoisyStd)? FitSkewedMixture(
        double[] sorted, double noisyWeight, double[] mu, double[] sd)
    {
        int n = sorted.Length;
        double w1 = noisyWeight, peak = mu[0], left = sd[0], right = sd[0], m1 = mu[1], s1 = sd[1];
        double lo = sorted[(int)(0.02 * (n - 1))], hi = sorted[(int)(0.90 * (n - 1))];
        var r = new double[n];
        var c0 = new double[n + 1];
        var c1 = new double[n + 1];
        var c2 = new double[n + 1];
        for (int iter = 0; iter < 300; iter++)
        {
            for (int i = 0; i < n; i++)
            {
                double a = SplitLogDensity(sorted[i], 1 - w1, peak, left, right), b = LogDensity(sorted[i], w1, m1, s1);
                double m = Math.Max(a, b);
                r[i] = Math.Exp(b - m) / (Math.Exp(a - m) + Math.Exp(b - m));
            }
            double n1 = r.Sum();
            if (n1 < 1e-9 || n - n1 < 1e-9) return null;
            for (int i = 0; i < n; i++)
            {
                double c = 1 - r[i], x = sorted[i];
                c0[i + 1] = c0[i] + c;
                c1[i + 1] = c1[i] + c * x;
                c2[i + 1] = c2[i] + c * x * x;
            }
            // Profile log-likelihood of the clean mode at a peak, with its two spreads at their optimum.
            (double Ll, double Left, double Right) Profile(double p)
            {
                int k = LowerBound(sorted, p);
                double a = Math.Max(c2[k] - 2 * p * c1[k] + p * p * c0[k], 1e-9);
                double b = Math.Max((c2[n] - c2[k]) - 2 * p * (c1[n] - c1[k]) + p * p * (c0[n] - c0[k]), 1e-9);
                double total = c0[n];
                double l = Math.Sqrt((a + Math.Cbrt(a * a * b)) / total), rr = Math.Sqrt((b + Math.Cbrt(b * b * a)) / total);
                return (-total * Math.Log(l + rr) - a / (2 * l * l) - b / (2 * rr * rr), l, rr);
            }
            const int Grid = 120;
            double step = (hi - lo) / (Grid - 1), best = lo, bestLl = double.NegativeInfinity;
            for (int g = 0; g < Grid; g++)
            {
                double p = lo + g * step, ll = Profile(p).Ll;
                if (ll > bestLl) { bestLl = ll; best = p; }
            }
            double ga = Math.Max(lo, best - step), gb = Math.Min(hi, best + step), phi = (Math.Sqrt(5) - 1) / 2;
            for (int i = 0; i < 40; i++)
            {
                double x1 = gb - phi * (gb - ga), x2 = ga + phi * (gb - ga);
                if (Profile(x1).Ll >= Profile(x2).Ll) gb = x2; else ga = x1;
            }
            double newPeak = (ga + gb) / 2;
            (_, left, right) = Profile(newPeak);
            double nm1 = 0;
            for (int i = 0; i < n; i++) nm1 += r[i] * sorted[i];
            nm1 /= n1;
            double v1 = 0;
            for (int i = 0; i < n; i++) v1 += r[i] * (sorted[i] - nm1) * (sorted[i] - nm1);
            s1 = Math.Max(0.5, Math.Sqrt(v1 / n1));
            w1 = n1 / n;
            bool converged = Math.Abs(newPeak - peak) + Math.Abs(nm1 - m1) < 1e-4;
            peak = newPeak;
            m1 = nm1;
            if (converged) break;
        }
        return w1 < 0.02 || m1 <= peak ? null : (w1, peak, left, right, m1, s1);
    }

    /// <summary>How many of the sorted values are below <paramref name="value"/>.</summary>
    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// The score from which the noisy mode of <paramref name="choice"/>'s mixture claims a sample with at
    /// least <paramref name="posterior"/>, searched between the two means, and at most the noisy mean:
    /// when the noisy mode is the narrower one, the clean mode's wider tail claims the far scores
    /// again, so the posterior is not monotone past it. The fitted mixture is used even when
    /// <see cref="Choose"/> judged its modes too close for a crossing (Ashman's D under 2): the high
    /// posterior keeps the threshold conservative. A clean mode fitted as a split normal is used as one.
    /// Null when the fit has no second component.
    /// </summary>
    public static double? PosteriorThreshold(ThresholdChoice choice, double posterior)
    {
        if (choice.NoisyWeight < 0.02 || choice.NoisyMean <= choice.CleanMean) return null;
        double w1 = choice.NoisyWeight, w0 = 1 - w1;
        double Clean(double x) => choice.CleanStdRight is { } right
            ? SplitLogDensity(x, w0, choice.CleanMean, choice.CleanStd, right)
            : LogDensity(x, w0, choice.CleanMean, choice.CleanStd);
        double Posterior(double x) => 1 / (1 + Math.Exp(Clean(x) - LogDensity(x, w1, choice.NoisyMean, choice.NoisyStd)));
        if (Posterior(choice.NoisyMean) < posterior) return choice.NoisyMean;
        return Bisect(choice.CleanMean, choice.NoisyMean, x => Posterior(x) < posterior);
    }

    /// <summary>Where <paramref name="below"/> turns false between lo (true) and hi (false), by 60 halvings.</summary>
    private static double Bisect(double lo, double hi, Func<double, bool> below)
    {
        for (int i = 0; i < 60; i++)
        {
            double mid = (lo + hi) / 2;
            if (below(mid)) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    private static double LogDensity(double x, double w, double mu, double sd) =>
        Math.Log(w) - Math.Log(sd) - 0.5 * ((x - mu) / sd) * ((x - mu) / sd);

    /// <summary>EM for two 1-D Gaussians, started at the quartiles; component 0 is the lower (clean) one.</summary>
    internal static (double[] W, double[] Mu, double[] Sd) FitMixture(double[] sorted)
    {
        int n = sorted.Length;
        double[] w = [0.5, 0.5], mu = [sorted[n / 4], sorted[3 * n / 4]];
        double spread = Math.Max(1.0, (sorted[^1] - sorted[0]) / 6);
        double[] sd = [spread, spread];
        var r = new double[n];
        for (int iter = 0; iter < 200; iter++)
        {
            for (int i = 0; i < n; i++)
            {
                double a = LogDensity(sorted[i], w[0], mu[0], sd[0]), b = LogDensity(sorted[i], w[1], mu[1], sd[1]);
                double m = Math.Max(a, b);
                r[i] = Math.Exp(b - m) / (Math.Exp(a - m) + Math.Exp(b - m)); // responsibility of component 1
            }
            double n1 = r.Sum(), n0 = n - n1;
            if (n1 < 1e-9 || n0 < 1e-9) break;
            double m0 = 0, m1 = 0;
            for (int i = 0; i < n; i++) { m0 += (1 - r[i]) * sorted[i]; m1 += r[i] * sorted[i]; }
            m0 /= n0; m1 /= n1;
            double v0 = 0, v1 = 0;
            for (int i = 0; i < n; i++)
            {
                v0 += (1 - r[i]) * (sorted[i] - m0) * (sorted[i] - m0);
                v1 += r[i] * (sorted[i] - m1) * (sorted[i] - m1);
            }
            double[] nsd = [Math.Max(0.5, Math.Sqrt(v0 / n0)), Math.Max(0.5, Math.Sqrt(v1 / n1))];
            bool converged = Math.Abs(m0 - mu[0]) + Math.Abs(m1 - mu[1]) < 1e-6;
            w = [n0 / n, n1 / n]; mu = [m0, m1]; sd = nsd;
            if (converged) break;
        }
        if (mu[0] > mu[1]) { (w[0], w[1]) = (w[1], w[0]); (mu[0], mu[1]) = (mu[1], mu[0]); (sd[0], sd[1]) = (sd[1], sd[0]); }
        return (w, mu, sd);
    }
}
