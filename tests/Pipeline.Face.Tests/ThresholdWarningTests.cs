using System.Text.Json;
using Pipeline.Face.Purification;

namespace Pipeline.Face.Tests;

/// <summary>
/// The automatic threshold on scores of known mixture (one mode with a noisy shoulder, two modes, clean only), the noise
/// estimate it falls back to (<see cref="ConfidentJoint"/>, against a numpy reference), and the warning it gives when its
/// cut does not stand on the scores' own shape (issue 22).
/// </summary>
public sealed class ThresholdWarningTests
{
    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>600 clean margins N(74, 8) and a shoulder of 400 noisy ones N(92, 12) the mixture cannot tell from them.</summary>
    private static (double[] Margins, bool[] Noisy) Shoulder()
    {
        var rng = new Random(22);
        var margins = Enumerable.Range(0, 1000).Select(i => i < 600 ? 74 + 8 * Normal(rng) : 92 + 12 * Normal(rng)).ToArray();
        return (margins, margins.Select((_, i) => i >= 600).ToArray());
    }

    /// <summary>A long-tailed clean mode at 70 and a noisy one at 120 holding <paramref name="noisy"/> of 10,000.</summary>
    private static double[] TwoModes(int noisy, int seed = 7)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 10_000 - noisy).Select(_ => { double z = Math.Abs(Normal(rng)); return rng.NextDouble() < 7.0 / 20 ? 70 - 7 * z : 70 + 13 * z; })
            .Concat(Enumerable.Range(0, noisy).Select(_ => 120 + 14 * Normal(rng))).ToArray();
    }

    [Fact]
    public void One_mode_with_a_noisy_shoulder_drops_the_estimated_noise_share_not_the_far_tail_and_warns()
    {
        var (margins, noisy) = Shoulder();
        var shape = ScoreThreshold.Choose(margins, skewedClean: true);
        Assert.Equal(ScoreThreshold.FarTail, shape.Method); // the shape alone: one mode, so only the far tail would go
        Assert.True(margins.Count(m => m >= shape.Value) < 0.02 * margins.Length);

        var choice = ScoreThreshold.Choose(margins, skewedClean: true, estimatedNoise: 0.38);
        Assert.True(choice.SingleMode);
        Assert.Equal("single mode; cut at the estimated noise rate 38 % (confident joint)", choice.Method);
        Assert.Equal(0.38, choice.EstimatedNoise);
        int dropped = margins.Count(m => m >= choice.Value);
        Assert.Equal(380, dropped);
        Assert.True(noisy.Where((n, i) => n && margins[i] >= choice.Value).Count() > 0.7 * dropped, "what the cut drops is mostly noise");

        var warning = ThresholdWarning.For(choice, dropped, margins.Length);
        Assert.NotNull(warning);
        Assert.StartsWith(ThresholdWarning.Prefix, warning);
        Assert.Contains("one mode", warning);
        Assert.Contains("puts the noise at 38 %", warning);
        Assert.Contains("dropped 380 of 1000", warning);
    }

    [Fact]
    public void Clean_margins_with_a_small_estimate_keep_the_far_tail_drop_under_2_percent_and_do_not_warn()
    {
        var rng = new Random(8);
        var margins = Enumerable.Range(0, 5000).Select(_ => { double z = Math.Abs(Normal(rng)); return rng.NextDouble() < 0.35 ? 65 - 6 * z : 65 + 10 * z; }).ToArray();
        var choice = ScoreThreshold.Choose(margins, skewedClean: true, estimatedNoise: 0.036); // what clean synthetic faces measure
        Assert.Equal(ScoreThreshold.FarTail, choice.Method);
        int dropped = margins.Count(m => m >= choice.Value);
        Assert.True(dropped < 0.02 * margins.Length, $"{dropped} dropped");
        Assert.Null(ThresholdWarning.For(choice, dropped, margins.Length));
    }

    [Fact]
    public void Two_modes_that_agree_with_the_estimate_keep_their_crossing_and_do_not_warn()
    {
        var margins = TwoModes(1000);
        var shape = ScoreThreshold.Choose(margins, skewedClean: true);
        var choice = ScoreThreshold.Choose(margins, skewedClean: true, estimatedNoise: 0.12);
        Assert.Equal(ScoreThreshold.SkewedMixtureCrossing, choice.Method);
        Assert.Equal(shape with { EstimatedNoise = 0.12 }, choice); // the same cut as without an estimate
        Assert.Null(ThresholdWarning.For(choice, margins.Count(m => m >= choice.Value), margins.Length));
    }

    [Theory]
    [InlineData(0.05)] // the crossing drops about twice the estimate
    [InlineData(0.30)] // the crossing drops about a third of it
    public void Two_modes_whose_crossing_disagrees_with_the_estimate_drop_the_estimated_share_and_warn(double estimate)
    {
        var margins = TwoModes(1000);
        var choice = ScoreThreshold.Choose(margins, skewedClean: true, estimatedNoise: estimate);
        Assert.StartsWith($"cut at the estimated noise rate {estimate:P0} (confident joint), not the {ScoreThreshold.SkewedMixtureCrossing}'s", choice.Method);
        Assert.False(choice.SingleMode);
        int dropped = margins.Count(m => m >= choice.Value);
        Assert.Equal(estimate * margins.Length, dropped, 1.0);
        var warning = ThresholdWarning.For(choice, dropped, margins.Length);
        Assert.StartsWith(ThresholdWarning.Prefix, warning);
        Assert.Contains("two modes", warning);
        Assert.Contains($"puts the noise at {estimate:P0}", warning);
    }

    [Fact]
    public void A_crossing_that_drops_much_of_a_set_estimated_clean_falls_back_to_the_far_tail()
    {
        var margins = TwoModes(1000);
        var choice = ScoreThreshold.Choose(margins, skewedClean: true, estimatedNoise: 0.01);
        Assert.StartsWith($"{ScoreThreshold.FarTail} (estimated noise 1 %), not the", choice.Method);
        Assert.True(margins.Count(m => m >= choice.Value) < 0.1 * margins.Length);
    }

    [Fact]
    public void More_than_half_the_set_dropped_warns()
    {
        // A clean set whose one mode the mixture split in two (10 x 10 clean synthetic faces: 90 of 100 dropped).
        var split = new ThresholdChoice(49.8, ScoreThreshold.MixtureCrossing, 40, 3, 55, 4, 0.9, 4);
        Assert.Contains("more than half the set", ThresholdWarning.For(split, 90, 100));
        Assert.Null(ThresholdWarning.For(split, 40, 100));
    }

    [Fact]
    public void Two_modes_after_a_whitening_fitted_under_a_one_mode_cut_at_the_estimate_warn()
    {
        var crossing = new ThresholdChoice(86, ScoreThreshold.MixtureCrossing, 78, 3.3, 89.6, 3.7, 0.3, 3.0) { EstimatedNoise = 0.31 };
        var underEstimate = new WhiteningSummary(1150, 88, 0.1) { FirstPassMethod = "single mode; cut at the estimated noise rate 31 % (confident joint)" };
        var warning = ThresholdWarning.For(crossing, 476, 1646, underEstimate);
        Assert.StartsWith(ThresholdWarning.Prefix, warning);
        Assert.Contains("before whitening the scores formed one mode", warning);
        Assert.Contains("Ashman's D 3.0", warning);

        var twoModesBefore = underEstimate with { FirstPassMethod = ScoreThreshold.MixtureCrossing };
        Assert.Null(ThresholdWarning.For(crossing, 476, 1646, twoModesBefore));
    }

    [Fact]
    public void Scores_without_an_estimate_keep_the_far_tail_and_do_not_warn()
    {
        var (angles, _) = Shoulder();
        var choice = ScoreThreshold.Choose(angles); // the dominant sub-center's angle: no class means to estimate noise from
        Assert.Equal(ScoreThreshold.FarTail, choice.Method);
        Assert.Null(choice.EstimatedNoise);
        Assert.Null(ThresholdWarning.For(choice, angles.Count(a => a >= choice.Value), angles.Length));
    }

    public static TheoryData<string> GoldenSets() => ["separated-20", "clean", "overlapping-30"];

    [Theory]
    [MemberData(nameof(GoldenSets))]
    public void The_noise_estimate_equals_a_numpy_reference(string name)
    {
        // Golden/confident_joint_reference.py; float32 here against float64 there: one sample's flip is 1/250 of the share.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "confident_joint_golden.json")));
        var set = json.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
        int dim = set.GetProperty("dim").GetInt32(), classes = set.GetProperty("classes").GetInt32();
        var labels = set.GetProperty("labels").EnumerateArray().Select(l => l.GetInt32()).ToArray();
        var embeddings = set.GetProperty("embeddings").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        EmbeddingAngles.Normalise(embeddings, dim);

        var angles = ClassCenterScoring.Angles(EmbeddingChunks.InMemory(embeddings, dim, labels, classes));

        Assert.Equal(set.GetProperty("estimate").GetDouble(), angles.ConfidentNoise!.Value, 0.002);
        Assert.Equal(set.GetProperty("moved").GetDouble(), angles.ConfidentNoise.Value, 0.02); // and it finds the labels moved
    }

    [Fact]
    public void The_purifier_cuts_unwhitened_margins_of_one_mode_at_the_estimate_and_its_report_carries_the_warning()
    {
        // K=1, two classes; each sample's own and nearest-other angles give the shoulder's margins (own - other + 90).
        var (margins, _) = Shoulder();
        int n = margins.Length;
        var labels = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
        var paths = labels.Select((c, i) => $"{"ab"[c]}/{i}.jpg").ToArray();
        var own = margins.Select(m => 40.0 + (m - 72) / 2).ToArray();
        var other = margins.Select((m, i) => own[i] - m + 90).ToArray();
        var angles = new ClassCenterAngles(own, other, labels.Select(c => 1 - c).ToArray());
        var scores = new SampleScores(new ClassMarginScore().Of(angles), i => $"class margin {margins[i]:F1}") { EstimatedNoise = 0.4 };
        var input = ScoringInput.Of(own.Select(a => (float)Math.Cos(a * Math.PI / 180)).ToArray(), 1, labels, ["a", "b"]);

        var report = SubCenterPurifier.Decide(scores, input, paths, DropRule.Auto with { Score = new ClassMarginScore(), Whitened = false });

        Assert.Equal(400, report.Dropped);
        Assert.Equal(0.4, report.ThresholdFit!.EstimatedNoise);
        Assert.StartsWith(ThresholdWarning.Prefix, report.Warning);
        Assert.Contains("one mode", report.Warning);

        var fixedThreshold = SubCenterPurifier.Decide(scores, input, paths, DropRule.Fixed(95) with { Score = new ClassMarginScore(), Whitened = false });
        Assert.Null(fixedThreshold.Warning); // a fixed threshold is the user's choice, not the mixture's
    }
}
