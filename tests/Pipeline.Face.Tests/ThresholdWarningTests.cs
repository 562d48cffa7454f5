using Pipeline.Face.Purification;

namespace Pipeline.Face.Tests;

/// <summary>
/// The automatic threshold on class margins of known mixture (one mode with a noisy shoulder past the boundary 90, two
/// modes, clean only) and the warning it gives when its cut does not stand on its evidence (issue 22).
/// </summary>
public sealed class ThresholdWarningTests
{
    private const double Boundary = AngleThreshold.ClassMarginBoundary;

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>600 clean margins N(74, 8) and a shoulder of 400 noisy ones N(92, 12) the mixture cannot tell from them.</summary>
    private static (double[] Margins, bool[] Noisy) Shoulder()
    {
        var rng = new Random(22);
        var margins = Enumerable.Range(0, 1000).Select(i => i < 600 ? 74 + 8 * Normal(rng) : 92 + 12 * Normal(rng)).ToArray();
        return (margins, margins.Select((_, i) => i >= 600).ToArray());
    }

    [Fact]
    public void One_mode_with_a_noisy_shoulder_is_cut_at_the_boundary_not_at_the_far_tail_and_warns()
    {
        var (margins, noisy) = Shoulder();
        var shape = AngleThreshold.Choose(margins, skewedClean: true);
        Assert.Equal(AngleThreshold.FarTail, shape.Method); // the shape alone: one mode, so only the far tail would go
        Assert.True(margins.Count(m => m >= shape.Degrees) < 0.02 * margins.Length);

        var choice = AngleThreshold.Choose(margins, skewedClean: true, boundary: Boundary);
        double past = margins.Count(m => m >= Boundary) / (double)margins.Length;
        Assert.True(past >= AngleThreshold.MinNoiseEvidence, $"only {past:P1} past the boundary");
        Assert.True(choice.SingleMode);
        Assert.Equal(Boundary, choice.Degrees);
        Assert.Equal($"single mode; cut at the boundary 90 (estimated noise {past:P0})", choice.Method);
        Assert.Equal(past, choice.EstimatedNoise!.Value, 9);
        int dropped = margins.Count(m => m >= choice.Degrees);
        Assert.True(noisy.Where((n, i) => n && margins[i] >= choice.Degrees).Count() > 0.85 * dropped, "what the boundary drops is mostly noise");

        var warning = ThresholdWarning.For(choice, dropped, margins.Length);
        Assert.NotNull(warning);
        Assert.StartsWith(ThresholdWarning.Prefix, warning);
        Assert.Contains("one mode", warning);
        Assert.Contains($"{past:P0} of the samples are nearer another class's centre than their own", warning);
        Assert.Contains($"dropped {dropped} of 1000", warning);
    }

    [Fact]
    public void One_mode_with_noise_seen_only_before_whitening_is_cut_at_the_boundary_too()
    {
        // Margins of one mode with few past 90 (as whitening can leave them), while the unwhitened ones had a quarter past it.
        var rng = new Random(23);
        var margins = Enumerable.Range(0, 1000).Select(_ => 70 + 7 * Normal(rng)).ToArray();
        Assert.Equal(AngleThreshold.FarTail, AngleThreshold.Choose(margins, boundary: Boundary).Method);
        var choice = AngleThreshold.Choose(margins, boundary: Boundary, noiseShare: 0.25);
        Assert.Equal(Boundary, choice.Degrees);
        Assert.Equal(0.25, choice.EstimatedNoise);
        Assert.Equal("single mode; cut at the boundary 90 (estimated noise 25 %)", choice.Method);
        Assert.Contains("25 % of the samples are nearer another class's centre", ThresholdWarning.For(choice, margins.Count(m => m >= 90), margins.Length));
    }

    [Fact]
    public void Two_modes_keep_their_crossing_whatever_the_boundary_says_and_do_not_warn()
    {
        // 10 % noise as on the demo's data: a long-tailed clean mode at 70 and a noisy one at 120.
        var rng = new Random(7);
        var margins = Enumerable.Range(0, 9000).Select(_ => { double z = Math.Abs(Normal(rng)); return rng.NextDouble() < 7.0 / 20 ? 70 - 7 * z : 70 + 13 * z; })
            .Concat(Enumerable.Range(0, 1000).Select(_ => 120 + 14 * Normal(rng))).ToArray();
        var shape = AngleThreshold.Choose(margins, skewedClean: true);
        var choice = AngleThreshold.Choose(margins, skewedClean: true, boundary: Boundary, noiseShare: 0.3);
        Assert.Equal(AngleThreshold.SkewedMixtureCrossing, choice.Method);
        Assert.Equal(shape.Degrees, choice.Degrees); // the two-mode path is the same cut as before
        Assert.Equal(shape with { EstimatedNoise = choice.EstimatedNoise }, choice);
        Assert.Equal(0.3, choice.EstimatedNoise);
        int dropped = margins.Count(m => m >= choice.Degrees);
        Assert.Null(ThresholdWarning.For(choice with { EstimatedNoise = AngleThreshold.PastShare(margins, Boundary) }, dropped, margins.Length));
    }

    [Fact]
    public void Clean_margins_keep_the_far_tail_rule_drop_under_2_percent_and_do_not_warn()
    {
        var rng = new Random(8);
        var margins = Enumerable.Range(0, 5000).Select(_ => { double z = Math.Abs(Normal(rng)); return rng.NextDouble() < 0.35 ? 65 - 6 * z : 65 + 10 * z; }).ToArray();
        var choice = AngleThreshold.Choose(margins, skewedClean: true, boundary: Boundary);
        Assert.Equal(AngleThreshold.FarTail, choice.Method);
        Assert.True(choice.EstimatedNoise < AngleThreshold.MinNoiseEvidence);
        int dropped = margins.Count(m => m >= choice.Degrees);
        Assert.True(dropped < 0.02 * margins.Length, $"{dropped} dropped");
        Assert.Null(ThresholdWarning.For(choice, dropped, margins.Length));
    }

    [Fact]
    public void Two_modes_that_drop_under_half_the_evident_noise_or_more_than_half_the_set_warn()
    {
        var crossing = new ThresholdChoice(100, AngleThreshold.MixtureCrossing, 70, 8, 110, 5, 0.05, 3) { EstimatedNoise = 0.30 };
        var fewer = ThresholdWarning.For(crossing, 50, 1000);
        Assert.StartsWith(ThresholdWarning.Prefix, fewer);
        Assert.Contains("30 % of the samples are nearer another class's centre", fewer);
        Assert.Contains("dropped 50 of 1000 (5 %) at 100", fewer);
        Assert.Null(ThresholdWarning.For(crossing, 200, 1000)); // two thirds of the evidence: the crossing stands

        // A clean set whose one mode the mixture split in two (10 x 10 clean synthetic faces: 90 of 100 dropped).
        var split = new ThresholdChoice(49.8, AngleThreshold.MixtureCrossing, 40, 3, 55, 4, 0.9, 4) { EstimatedNoise = 0 };
        Assert.Contains("more than half the set", ThresholdWarning.For(split, 90, 100));
    }

    [Fact]
    public void Two_modes_after_a_whitening_fitted_under_the_boundary_of_one_mode_warn()
    {
        // CelebA photos (35 % noise): one mode before whitening with 44 % past 90; whitened, two modes at Ashman's D 3.3.
        var crossing = new ThresholdChoice(83.8, AngleThreshold.MixtureCrossing, 78, 3.3, 89.6, 3.7, 0.44, 3.3) { EstimatedNoise = 0.44 };
        var underBoundary = new WhiteningSummary(921, 90, 0.1) { FirstPassNoiseShare = 0.44, FirstPassMethod = "single mode; cut at the boundary 90 (estimated noise 44 %)" };
        var warning = ThresholdWarning.For(crossing, 713, 1646, underBoundary);
        Assert.StartsWith(ThresholdWarning.Prefix, warning);
        Assert.Contains("before whitening the scores formed one mode although 44 % of the samples", warning);
        Assert.Contains("Ashman's D 3.3", warning);

        var twoModesBefore = underBoundary with { FirstPassMethod = AngleThreshold.MixtureCrossing };
        Assert.Null(ThresholdWarning.For(crossing, 713, 1646, twoModesBefore));
    }

    [Fact]
    public void Scores_without_a_boundary_keep_the_far_tail_and_warn_only_when_most_is_dropped()
    {
        var (angles, _) = Shoulder();
        var choice = AngleThreshold.Choose(angles); // the dominant sub-center's angle: no boundary to read noise from
        Assert.Equal(AngleThreshold.FarTail, choice.Method);
        Assert.Null(choice.EstimatedNoise);
        Assert.Null(ThresholdWarning.For(choice, angles.Count(a => a >= choice.Degrees), angles.Length));
    }

    [Fact]
    public void The_purifier_cuts_unwhitened_margins_of_one_mode_at_the_boundary_and_its_report_carries_the_warning()
    {
        // K=1, two classes; each sample's own and nearest-other angles give the shoulder's margins (own - other + 90).
        var (margins, _) = Shoulder();
        int n = margins.Length;
        var labels = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
        var paths = labels.Select((c, i) => $"{"ab"[c]}/{i}.jpg").ToArray();
        var own = margins.Select(m => 40.0 + (m - 72) / 2).ToArray();
        var other = margins.Select((m, i) => own[i] - m + 90).ToArray();
        var angles = new ClassCenterAngles(own, other, labels.Select(c => 1 - c).ToArray());
        var cosines = own.Select(a => (float)Math.Cos(a * Math.PI / 180)).ToArray();

        var report = SubCenterPurifier.Decide(cosines, 1, labels, paths, ["a", "b"], DropRule.Auto with { Score = DropScore.ClassMargin, Whitened = false }, angles);

        Assert.Equal(Boundary, report.ThresholdDegrees);
        Assert.Equal(margins.Count(m => m >= Boundary), report.Dropped);
        Assert.StartsWith(ThresholdWarning.Prefix, report.Warning);
        Assert.Contains("one mode", report.Warning);

        var fixedAngle = SubCenterPurifier.Decide(cosines, 1, labels, paths, ["a", "b"], DropRule.Fixed(95) with { Score = DropScore.ClassMargin, Whitened = false }, angles);
        Assert.Null(fixedAngle.Warning); // a fixed angle is the user's choice, not the mixture's
    }
}
