namespace Pipeline.Face.Purification;

/// <summary>How an automatic threshold was reached, for the report.</summary>
public sealed record ThresholdChoice(double Degrees, string Method, double CleanMean, double CleanStd, double NoisyMean, double NoisyStd, double NoisyWeight, double Separation);

/// <summary>
/// Picks the drop angle from the distribution of angles to dominant sub-centers: a
/// two-component 1-D Gaussian mixture (EM) separates the clean mode from the noisy one and the
/// threshold is where their weighted densities cross. When the modes are not clearly apart
/// (Ashman's D &lt; 2, or a negligible second component) the data looks clean, and only the far
/// tail of the single mode is dropped (median + 3 robust sigmas, never below the paper's angle).
/// </summary>
public static class AngleThreshold
{
    public const string MixtureCrossing = "gaussian mixture crossing";

    public static ThresholdChoice Choose(IReadOnlyList<double> angles)
    {
        if (angles.Count < 10) return new ThresholdChoice(DropRule.PaperAngle, "too few samples: paper angle", 0, 0, 0, 0, 0, 0);
        var x = angles.OrderBy(a => a).ToArray();
        double median = x[x.Length / 2];
        double mad = 1.4826 * x.Select(a => Math.Abs(a - median)).OrderBy(a => a).ElementAt(x.Length / 2);
        double tail = Math.Max(DropRule.PaperAngle, median + 3 * Math.Max(mad, 1.0));

        var (w, mu, sd) = FitMixture(x);
        double separation = Math.Sqrt(2) * Math.Abs(mu[1] - mu[0]) / Math.Sqrt(sd[0] * sd[0] + sd[1] * sd[1]);
        if (separation < 2.0 || w[1] < 0.02)
            return new ThresholdChoice(tail, "single mode: median + 3 robust sigma", mu[0], sd[0], mu[1], sd[1], w[1], separation);

        // Crossing of w0*N(mu0,sd0) and w1*N(mu1,sd1) between the two means.
        double crossing = Bisect(mu[0], mu[1], x => LogDensity(x, w[0], mu[0], sd[0]) > LogDensity(x, w[1], mu[1], sd[1]));
        return new ThresholdChoice(crossing, MixtureCrossing, mu[0], sd[0], mu[1], sd[1], w[1], separation);
    }

    /// <summary>
    /// The angle from which the noisy mode of <paramref name="choice"/>'s mixture claims a sample with at
    /// least <paramref name="posterior"/>, searched between the two means, and at most the noisy mean:
    /// when the noisy mode is the narrower one, the clean mode's wider tail claims the far angles
    /// again, so the posterior is not monotone past it. The fitted mixture is used even when
    /// <see cref="Choose"/> judged its modes too close for a crossing (Ashman's D under 2): the high
    /// posterior keeps the angle conservative. Null when the fit has no second component.
    /// </summary>
    public static double? PosteriorAngle(ThresholdChoice choice, double posterior)
    {
        if (choice.NoisyWeight < 0.02 || choice.NoisyMean <= choice.CleanMean) return null;
        double w1 = choice.NoisyWeight, w0 = 1 - w1;
        double Posterior(double x) =>
            1 / (1 + Math.Exp(LogDensity(x, w0, choice.CleanMean, choice.CleanStd) - LogDensity(x, w1, choice.NoisyMean, choice.NoisyStd)));
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
