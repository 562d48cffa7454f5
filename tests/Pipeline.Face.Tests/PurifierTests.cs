using Pipeline.Face.Purification;

namespace Pipeline.Face.Tests;

public class PurifierTests
{
    // A sample in the plane of two unit axes, at `deg` degrees from the first toward the second.
    private static float[] At(int from, int toward, double deg)
    {
        var v = new float[3];
        v[from] = (float)Math.Cos(deg * Math.PI / 180);
        v[toward] = (float)Math.Sin(deg * Math.PI / 180);
        return v;
    }

    [Fact]
    public void Keeps_samples_close_to_the_dominant_sub_center_and_says_why()
    {
        // One class, K = 3 sub-centers on the axes x, y, z. Three samples gather at x: x is dominant.
        float[] centers = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        var samples = new[]
        {
            At(0, 1, 10), At(0, 2, 20), At(0, 1, 30),  // near x (dominant)
            At(1, 2, 5),                                // near y: ~90 deg from x -> drop
            At(0, 1, 70),                               // nearest y (20 deg) but 70 deg from x -> keep under 75
        };
        var emb = samples.SelectMany(s => s).ToArray();
        var report = SubCenterPurifier.Decide(emb, 3, [0, 0, 0, 0, 0], centers, 3,
            ["a/1", "a/2", "a/3", "a/4", "a/5"], ["a"], DropRule.Fixed(75));

        Assert.Equal(["keep", "keep", "keep", "drop", "keep"], report.Samples.Select(s => s.Decision));
        Assert.All(report.Samples, s => Assert.Equal(0, s.DominantSubcenter));
        Assert.Equal([0, 0, 0, 1, 1], report.Samples.Select(s => s.Subcenter));
        Assert.Equal(10, report.Samples[0].Score, 3);
        Assert.Equal(90, report.Samples[3].Score, 3);
        Assert.Equal(70, report.Samples[4].Score, 3);
        Assert.Contains("not under 75.0", report.Samples[3].Reason);
        Assert.Contains("non-dominant sub-center 1", report.Samples[4].Reason);
        Assert.Equal((4, 1), (report.Kept, report.Dropped));
    }

    [Fact]
    public void Class_mean_score_measures_each_angle_to_the_mean_embedding_of_the_class()
    {
        // One class; sub-centers put every sample near x, but the mean of the four embeddings lies
        // at 45 deg between x and y (two at x, two at y): each sample is 45 deg from it.
        float[] centers = [1, 0, 0, 0, 0, 1];
        var emb = new[] { At(0, 1, 0), At(0, 1, 0), At(1, 0, 0), At(1, 0, 0), At(0, 2, 0) }.SelectMany(s => s).ToArray();
        // Fifth sample: class 1 alone, its own mean: 0 deg.
        var report = SubCenterPurifier.Decide(emb, 3, [0, 0, 0, 0, 1], [.. centers, .. centers], 2,
            ["a/1", "a/2", "a/3", "a/4", "b/1"], ["a", "b"], DropRule.Fixed(40) with { Score = new ClassMeanScore(), Whitened = false });

        Assert.Equal("class-mean", report.Score);
        Assert.Equal([45, 45, 45, 45, 0], report.Samples.Select(s => Math.Round(s.Score, 3)));
        Assert.Equal(["drop", "drop", "drop", "drop", "keep"], report.Samples.Select(s => s.Decision));
        Assert.Contains("deg to the class mean, not under 40.0", report.Samples[0].Reason);
        Assert.Equal(0, report.Samples[0].DominantSubcenter); // still reported (y is as far from x as from z: ties go to the first)
    }

    // Golden values from numpy (normalise rows, class means, arccos of the dot products), not from the code under test.
    private static readonly float[][] Raw =
    [
        [0.9f, 0.1f, -0.2f, 0.3f, 0.0f], [0.7f, 0.4f, 0.1f, -0.1f, 0.2f], [-0.3f, 0.8f, 0.5f, 0.1f, -0.2f], [0.1f, 0.9f, -0.1f, 0.3f, 0.1f],
        [0.6f, 0.5f, 0.2f, 0.0f, 0.1f], [0.0f, -0.2f, 0.3f, 0.9f, 0.4f], [-0.1f, 0.1f, 0.2f, 0.6f, -0.8f],
    ];
    private static readonly int[] RawLabels = [0, 0, 1, 1, 1, 3, 3]; // class 2 has no samples

    private static float[] Normalised(float[][] rows) =>
        rows.SelectMany(r => { var n = MathF.Sqrt(r.Sum(x => x * x)); return r.Select(x => x / n); }).ToArray();

    [Fact]
    public void Angles_to_class_means_and_the_nearest_other_class_match_numpy()
    {
        var emb = Normalised(Raw);
        var means = EmbeddingAngles.ClassMeans(emb, 5, RawLabels, 4);
        var angles = EmbeddingAngles.AnglesToCenters(emb, 5, RawLabels, means);

        double[] own = [20.4908, 20.4908, 36.3026, 23.8053, 37.2883, 38.0336, 38.0336];
        double[] other = [72.8917, 50.5974, 74.8565, 64.2780, 27.7006, 86.3897, 78.2396];
        double[] margin = [37.5991, 59.8934, 51.4461, 49.5272, 99.5877, 41.6439, 49.7940];
        for (int i = 0; i < own.Length; i++)
        {
            Assert.Equal(own[i], angles.Own[i], 2);
            Assert.Equal(other[i], angles.NearestOther[i], 2);
            Assert.Equal(margin[i], angles.ClassMargin(i), 2);
        }
        Assert.Equal([1, 1, 3, 0, 0, 0, 1], angles.NearestOtherClass); // never the empty class 2 (its zero row is 90 deg from all)
    }

    [Fact]
    public void Class_margin_drops_a_sample_nearer_another_class_and_names_that_class()
    {
        // Sample 4 is filed under b but lies nearer a's mean: margin 99.6 > 90. Every other sample's own class is nearest.
        var emb = Normalised(Raw);
        float[] centers = new float[4 * 2 * 5]; // K = 2 sub-centers, unused by this score
        var report = SubCenterPurifier.Decide(emb, 5, RawLabels, centers, 2,
            Enumerable.Range(0, 7).Select(i => $"s{i}").ToArray(), ["a", "b", "c", "d"], DropRule.Fixed(90) with { Score = new ClassMarginScore(), Whitened = false });

        Assert.Equal("class-margin", report.Score);
        Assert.Equal(["keep", "keep", "keep", "keep", "drop", "keep", "keep"], report.Samples.Select(s => s.Decision));
        Assert.Equal(99.588, report.Samples[4].Score, 2);
        Assert.Contains("37.3 deg to the class mean, 27.7 to a's", report.Samples[4].Reason);
        Assert.Contains("not under 90.0", report.Samples[4].Reason);
    }

    [Fact]
    public void Each_class_has_its_own_dominant_sub_center()
    {
        // Class 0's samples gather at its sub-center 1 (y); class 1's at its sub-center 0 (z).
        float[] centers = [1, 0, 0, 0, 1, 0, /* class 1 */ 0, 0, 1, 1, 0, 0];
        var emb = new[] { At(1, 0, 5), At(1, 2, 15), At(0, 1, 3), At(2, 0, 12), At(2, 1, 40) }.SelectMany(s => s).ToArray();
        var report = SubCenterPurifier.Decide(emb, 3, [0, 0, 0, 1, 1], centers, 2,
            ["p0", "p1", "p2", "q0", "q1"], ["p", "q"], DropRule.Fixed(60));
        Assert.Equal([1, 1, 1, 0, 0], report.Samples.Select(s => s.DominantSubcenter));
        Assert.Equal(["keep", "keep", "drop", "keep", "keep"], report.Samples.Select(s => s.Decision));
        Assert.Equal(87, report.Samples[2].Score, 3);
    }

    [Fact]
    public void Auto_threshold_falls_between_a_clean_and_a_noisy_mode()
    {
        var rng = new Random(4);
        double Normal(double mu, double sd) => mu + sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var angles = Enumerable.Range(0, 700).Select(_ => Normal(40, 7))
            .Concat(Enumerable.Range(0, 300).Select(_ => Normal(85, 6))).ToList();
        var choice = ScoreThreshold.Choose(angles);
        Assert.Equal("gaussian mixture crossing", choice.Method);
        Assert.InRange(choice.Value, 58, 68);
        Assert.InRange(choice.CleanMean, 38, 42);
        Assert.InRange(choice.NoisyMean, 83, 87);
        Assert.InRange(choice.NoisyWeight, 0.27, 0.33);
    }

    [Fact]
    public void Skewed_clean_mode_threshold_finds_where_a_long_tailed_clean_mode_crosses_the_noisy_one()
    {
        // Margins as on a set with 10 % label noise: a clean mode peaking at 70 with a right tail nearly twice its
        // left (7 and 13 degrees, a split normal) and a noisy Gaussian at 120 +- 14.
        const double peak = 70, left = 7, right = 13, w1 = 0.1, mu1 = 120, sd1 = 14;
        var rng = new Random(7);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double SplitNormal()
        {
            double z = Math.Abs(Normal());
            return rng.NextDouble() < left / (left + right) ? peak - left * z : peak + right * z;
        }
        var margins = Enumerable.Range(0, 9000).Select(_ => SplitNormal()).Concat(Enumerable.Range(0, 1000).Select(_ => mu1 + sd1 * Normal())).ToList();
        // Reference: where the generating densities cross, by a fine scan.
        double Clean(double x) => (1 - w1) * 2 / (left + right) * Math.Exp(-0.5 * Math.Pow((x - peak) / (x < peak ? left : right), 2));
        double Noisy(double x) => w1 / sd1 * Math.Exp(-0.5 * Math.Pow((x - mu1) / sd1, 2));
        double crossing = peak;
        while (Clean(crossing) > Noisy(crossing)) crossing += 1e-3;

        var choice = ScoreThreshold.Choose(margins, skewedClean: true);
        Assert.Equal(ScoreThreshold.SkewedMixtureCrossing, choice.Method);
        Assert.InRange(choice.Value, crossing - 2, crossing + 2);
        Assert.InRange(choice.NoisyWeight, 0.07, 0.13);
        Assert.InRange(choice.CleanMean, peak - 2, peak + 2);
        Assert.InRange(choice.CleanStdRight!.Value / choice.CleanStd, 1.5, 2.3);

        // A Gaussian clean mode on the same margins lends its tail to the noisy mode and cuts into the clean samples.
        var gaussian = ScoreThreshold.Choose(margins);
        Assert.Equal(ScoreThreshold.MixtureCrossing, gaussian.Method);
        Assert.True(gaussian.Value < crossing - 4, $"gaussian {gaussian.Value:F1} against the crossing {crossing:F1}");
        Assert.True(gaussian.NoisyWeight > 0.13, $"gaussian noisy weight {gaussian.NoisyWeight:F2}");
    }

    [Fact]
    public void Skewed_clean_mode_threshold_keeps_the_single_mode_rule_on_clean_data()
    {
        var rng = new Random(8);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var margins = Enumerable.Range(0, 5000).Select(_ => { double z = Math.Abs(Normal()); return rng.NextDouble() < 0.35 ? 70 - 7 * z : 70 + 13 * z; }).ToList();
        var choice = ScoreThreshold.Choose(margins, skewedClean: true);
        Assert.StartsWith("single mode", choice.Method);
        Assert.True(margins.Count(m => m >= choice.Value) < 0.02 * margins.Count, $"{choice.Value:F1} drops too many clean margins");
    }

    [Theory]
    [InlineData(0.6, 50, 8, 85, 5)]   // the noisy mode is the narrower one: the clean tail wins again past ~110
    [InlineData(0.7, 40, 7, 85, 9)]
    [InlineData(0.8, 60, 12, 80, 3)]  // a narrow noisy mode that never reaches 0.9 posterior below its mean
    public void Posterior_angle_is_where_the_noisy_mode_first_claims_the_given_share(double w0, double mu0, double sd0, double mu1, double sd1)
    {
        var choice = new ThresholdChoice(0, ScoreThreshold.MixtureCrossing, mu0, sd0, mu1, sd1, 1 - w0, 0);
        static double Density(double x, double w, double mu, double sd) => w / sd * Math.Exp(-0.5 * (x - mu) * (x - mu) / (sd * sd));
        double Posterior(double x) => Density(x, 1 - w0, mu1, sd1) / (Density(x, w0, mu0, sd0) + Density(x, 1 - w0, mu1, sd1));
        // Reference: the first angle on a fine scan from the clean mean at which the posterior reaches 0.9, capped at the noisy mean.
        double expected = mu1;
        for (double x = mu0; x <= mu1; x += 1e-4)
            if (Posterior(x) >= 0.9) { expected = x; break; }
        choice = choice with { Value = Enumerable.Range(0, 100_000).Select(i => mu0 + i * (mu1 - mu0) / 100_000).First(x => Posterior(x) >= 0.5) };

        Assert.Equal(expected, ScoreThreshold.PosteriorThreshold(choice, 0.9)!.Value, 2);
    }

    [Fact]
    public void Posterior_angle_of_a_split_normal_clean_mode_uses_its_right_spread()
    {
        // A clean peak at 70 with spreads 6 (left) and 12 (right), 20 % noise at N(105, 10).
        var choice = new ThresholdChoice(0, ScoreThreshold.SkewedMixtureCrossing, 70, 6, 105, 10, 0.2, 3) { CleanStdRight = 12 };
        static double Split(double x) => 0.8 * 2 / (6 + 12) * Math.Exp(-0.5 * Math.Pow((x - 70) / (x < 70 ? 6 : 12), 2));
        static double Noisy(double x) => 0.2 / 10 * Math.Exp(-0.5 * Math.Pow((x - 105) / 10, 2));
        double expected = 105;
        for (double x = 70; x <= 105; x += 1e-4)
            if (Noisy(x) / (Noisy(x) + Split(x)) >= 0.9) { expected = x; break; }

        Assert.Equal(expected, ScoreThreshold.PosteriorThreshold(choice, 0.9)!.Value, 2);
        // A Gaussian clean mode with the left spread alone would cut far earlier: the right tail is what moves it.
        Assert.True(ScoreThreshold.PosteriorThreshold(choice with { CleanStdRight = null }, 0.9) < expected - 5);
    }

    [Fact]
    public void The_automatic_threshold_moves_to_a_noise_posterior_only_between_two_modes()
    {
        var twoModes = new ThresholdChoice(80, ScoreThreshold.MixtureCrossing, 60, 8, 100, 10, 0.3, 4);
        var moved = ScoreThreshold.AtPosterior(twoModes, 0.9);
        Assert.Equal(ScoreThreshold.PosteriorThreshold(twoModes, 0.9), moved.Value);
        Assert.True(moved.Value > twoModes.Value);
        Assert.Equal("gaussian mixture crossing moved to noise posterior 0.9", moved.Method);
        Assert.Same(twoModes, ScoreThreshold.AtPosterior(twoModes, ScoreThreshold.CrossingPosterior));
        var single = new ThresholdChoice(90, "single mode: median + 3 robust sigma", 40, 8, 0, 1, 0, 0);
        Assert.Same(single, ScoreThreshold.AtPosterior(single, 0.9));
        Assert.Throws<ArgumentException>(() => ScoreThreshold.AtPosterior(twoModes, 1.0));
    }

    [Fact]
    public void A_higher_noise_posterior_drops_fewer_samples_and_says_so()
    {
        // K=1, one class: 300 clean angles near 40 degrees and 100 noisy ones near 85.
        var rng = new Random(3);
        var angles = Enumerable.Range(0, 400).Select(i => (i < 300 ? 40 : 85) + 6 * Normal(rng)).ToArray();
        var cosines = angles.Select(a => (float)Math.Cos(a * Math.PI / 180)).ToArray();
        var labels = new int[angles.Length];
        var paths = angles.Select((_, i) => $"a/{i}.jpg").ToArray();

        var input = ScoringInput.Of(cosines, 1, labels, ["a"]);
        var atCrossing = SubCenterPurifier.Decide(input, paths, DropRule.Auto);
        var at99 = SubCenterPurifier.Decide(input, paths, DropRule.Auto with { NoisePosterior = 0.99 });

        Assert.True(at99.Threshold > atCrossing.Threshold);
        Assert.True(at99.Dropped < atCrossing.Dropped);
        Assert.Equal(angles.Count(a => a >= at99.Threshold), at99.Dropped);
        Assert.Contains("noise posterior 0.99", at99.ThresholdFit!.Method);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Posterior_angle_is_undefined_for_a_single_mode() =>
        Assert.Null(ScoreThreshold.PosteriorThreshold(new ThresholdChoice(90, "single mode: median + 3 robust sigma", 40, 8, 0, 1, 0, 0), 0.9));

    [Fact]
    public void Auto_threshold_on_clean_data_drops_only_the_far_tail()
    {
        var rng = new Random(5);
        var angles = Enumerable.Range(0, 1000).Select(_ => 40 + 8 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5)).ToList();
        var choice = ScoreThreshold.Choose(angles);
        Assert.True(choice.Value >= 75, $"{choice.Method}: {choice.Value}");
        Assert.True(angles.Count(a => a >= choice.Value) == 0);
    }
}
