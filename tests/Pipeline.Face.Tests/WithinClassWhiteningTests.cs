using Pipeline.Face.Purification;

namespace Pipeline.Face.Tests;

public class WithinClassWhiteningTests
{
    // Golden values from numpy (tests/Pipeline.Face.Tests/Golden/within_class_whitening_reference.py): the scatter of the
    // included samples around their included class means, the textbook two-pass definition, shrunk by 0.1 of its mean
    // variance; eigh; every row mapped and normalised; class means over all samples; arccos.
    private static readonly float[][] Raw =
    [
        [0.9f, 0.1f, -0.2f, 0.3f, 0.0f], [0.7f, 0.4f, 0.1f, -0.1f, 0.2f], [0.8f, -0.1f, 0.0f, 0.2f, 0.3f], [0.5f, 0.6f, -0.3f, 0.1f, 0.1f],
        [-0.3f, 0.8f, 0.5f, 0.1f, -0.2f], [0.1f, 0.9f, -0.1f, 0.3f, 0.1f], [0.6f, 0.5f, 0.2f, 0.0f, 0.1f], [0.0f, 0.7f, 0.6f, -0.2f, 0.0f],
        [0.0f, -0.2f, 0.3f, 0.9f, 0.4f], [-0.1f, 0.1f, 0.2f, 0.6f, -0.8f], [0.2f, 0.0f, 0.1f, 0.8f, 0.1f], [0.1f, -0.3f, 0.4f, 0.7f, -0.3f],
    ];
    private static readonly int[] Labels = [0, 0, 0, 0, 1, 1, 1, 1, 3, 3, 3, 3]; // class 2 has no samples
    private static readonly bool[] Included = [true, true, true, false, true, true, false, true, true, true, true, false];

    private static float[] Normalised(IEnumerable<float[]> rows) =>
        rows.SelectMany(r => { var n = MathF.Sqrt(r.Sum(x => x * x)); return r.Select(x => x / n); }).ToArray();

    [Fact]
    public void Whitened_angles_to_class_means_match_numpy()
    {
        var data = EmbeddingChunks.InMemory(Normalised(Raw), 5, Labels, 4);
        var whitening = WithinClassWhitening.Fit(data, i => Included[i]);
        Assert.NotNull(whitening);
        Assert.Equal(9, whitening.FittedOn);
        var angles = ClassCenterScoring.Angles(data, whitening);

        double[] own = [14.6055, 11.6947, 20.4088, 29.4624, 22.7691, 19.5774, 35.2754, 12.3441, 14.3889, 14.6465, 9.4242, 11.7722];
        double[] other = [61.6000, 50.3885, 65.2047, 43.5672, 43.7396, 53.1465, 20.2357, 50.5267, 48.4365, 46.5323, 41.7038, 53.3707];
        double[] margin = [43.0055, 51.3062, 45.2042, 75.8951, 69.0295, 56.4309, 105.0397, 51.8174, 55.9524, 58.1142, 57.7204, 48.4015];
        for (int i = 0; i < own.Length; i++)
        {
            Assert.Equal(own[i], angles.Own[i], 2);
            Assert.Equal(other[i], angles.NearestOther[i], 2);
            Assert.Equal(margin[i], angles.ClassMargin(i), 2);
        }
        Assert.Equal([3, 1, 3, 1, 3, 3, 0, 3, 1, 1, 1, 1], angles.NearestOtherClass);
    }

    [Fact]
    public void Chunks_read_one_at_a_time_give_the_angles_of_the_whole_set()
    {
        // The Purifier reads one shard's embeddings at a time; the passes must not depend on where the chunks split.
        var whole = EmbeddingChunks.InMemory(Normalised(Raw), 5, Labels, 4);
        int[][] splits = [[0, 1, 2, 3, 4], [5, 6, 7], [8, 9, 10, 11]];
        var chunked = new EmbeddingChunks(5, 4, splits.Select(s => (IReadOnlyList<int>)s.Select(i => Labels[i]).ToArray()).ToArray(),
            c => Normalised(splits[c].Select(i => Raw[i])));
        var margin = new ClassMarginScore();
        var a = margin.Angles(whole, whitened: true);
        var b = margin.Angles(chunked, whitened: true);
        Assert.NotNull(a.Whitening);
        Assert.Equal(a.Whitening, b.Whitening);
        for (int i = 0; i < Labels.Length; i++)
        {
            Assert.Equal(a.Own[i], b.Own[i], 4);
            Assert.Equal(a.NearestOther[i], b.NearestOther[i], 4);
        }
    }

    [Fact]
    public void The_purifier_measures_class_center_scores_whitened_by_default_and_says_so()
    {
        var emb = Normalised(Raw);
        var paths = Enumerable.Range(0, Labels.Length).Select(i => $"s{i}").ToArray();
        string[] identities = ["a", "b", "c", "d"];
        var centers = new float[4 * 2 * 5]; // K = 2 sub-centers, unused by these scores
        var rule = DropRule.Auto with { Score = new ClassMarginScore() };
        var report = SubCenterPurifier.Decide(emb, 5, Labels, centers, 2, paths, identities, rule);
        var expected = new ClassMarginScore().Angles(EmbeddingChunks.InMemory(emb, 5, Labels, 4), whitened: true);

        Assert.NotNull(report.Whitening);
        Assert.Equal(expected.Whitening, report.Whitening);
        Assert.Equal(new ClassMarginScore().Of(expected).Select(m => Math.Round(m, 3)), report.Samples.Select(s => s.Score));
        Assert.NotEqual(ScoreThreshold.SkewedMixtureCrossing, report.ThresholdFit!.Method); // whitened margins take the Gaussian mixture
        Assert.All(report.Samples, s => Assert.Contains("(whitened: ", s.Reason));

        var unwhitened = SubCenterPurifier.Decide(emb, 5, Labels, centers, 2, paths, identities, rule with { Whitened = false });
        Assert.Null(unwhitened.Whitening);
        Assert.DoesNotContain(unwhitened.Samples, s => s.Reason.Contains("whitened"));
        Assert.NotEqual(report.Samples.Select(s => s.Score), unwhitened.Samples.Select(s => s.Score));
    }

    [Fact]
    public void Nothing_to_fit_from_fewer_than_two_samples()
    {
        var data = EmbeddingChunks.InMemory(Normalised(Raw), 5, Labels, 4);
        Assert.Null(WithinClassWhitening.Fit(data, i => i == 0));
        Assert.Null(WithinClassWhitening.Fit(data, _ => false));
    }

    [Fact]
    public void Mislabelled_faces_hidden_by_a_nuisance_direction_stand_out_once_whitened()
    {
        // Eight identities in 16 dimensions. Every identity's images vary a lot along one shared nuisance direction (think
        // pose or a hat) and little otherwise; 3 of each class's 24 images are another person, outside the set, with an
        // ordinary nuisance. Unwhitened, the clean images far along the nuisance are as far from their class mean as the
        // strangers; the whitening shrinks the nuisance and the strangers stand out.
        const int dim = 16, classes = 8, perClass = 24, strangers = 3;
        var rng = new Random(7);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        float[] Unit(double[] v) { var n = Math.Sqrt(v.Sum(x => x * x)); return v.Select(x => (float)(x / n)).ToArray(); }
        double[] RandomDirection() => Unit(Enumerable.Range(0, dim).Select(_ => Gauss()).ToArray()).Select(x => (double)x).ToArray();
        var nuisance = RandomDirection();
        var rows = new List<float[]>();
        var labels = new List<int>();
        var stranger = new List<bool>();
        for (int c = 0; c < classes; c++)
        {
            var identity = RandomDirection();
            for (int i = 0; i < perClass; i++)
            {
                bool s = i < strangers;
                var who = s ? RandomDirection() : identity;
                double pose = Gauss() * 1.1;
                // A stranger is close enough to the class to be filed under it: half-way between it and someone new.
                var v = Enumerable.Range(0, dim).Select(d => (s ? 0.75 * identity[d] + 0.55 * who[d] : who[d]) + pose * nuisance[d] + 0.05 * Gauss()).ToArray();
                rows.Add(Unit(v));
                labels.Add(c);
                stranger.Add(s);
            }
        }
        var data = EmbeddingChunks.InMemory(rows.SelectMany(r => r).ToArray(), dim, labels, classes);
        var margin = new ClassMarginScore();
        var raw = margin.Of(margin.Angles(data, whitened: false));
        var whitened = margin.Angles(data, whitened: true);

        double rawAuc = Auc(raw, stranger), whiteAuc = Auc(margin.Of(whitened), stranger);
        Assert.NotNull(whitened.Whitening);
        Assert.True(rawAuc < 0.85, $"unwhitened AUC {rawAuc:F3}: the nuisance should hide the strangers");
        Assert.True(whiteAuc > 0.95, $"whitened AUC {whiteAuc:F3} (unwhitened {rawAuc:F3})");
    }

    /// <summary>Probability that a positive's score exceeds a negative's (ties count half).</summary>
    private static double Auc(IReadOnlyList<double> score, IReadOnlyList<bool> positive)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < score.Count; i++)
            if (positive[i])
                for (int j = 0; j < score.Count; j++)
                    if (!positive[j])
                    {
                        wins += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0;
                        pairs++;
                    }
        return wins / pairs;
    }
}
