using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face.Purification;

namespace Pipeline.Face.Tests;

/// <summary>Every drop score against a numpy reference (Golden/drop_scores_reference.py), by name through the registry.</summary>
public class DropScoreTests
{
    private sealed record Golden(int Classes, int K, int Dim, float[] Embeddings, float[] SubCenters, int[] Labels, int[] Nearest, int[] Dominant,
        Dictionary<string, double[]> Scores)
    {
        public static readonly Golden Set = JsonSerializer.Deserialize<Golden>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "drop_scores_golden.json")), PipelineJson.Options)!;

        public string[] Identities => Enumerable.Range(0, Classes).Select(c => $"id{c}").ToArray();

        public float[] Normalised()
        {
            var e = Embeddings.ToArray();
            EmbeddingAngles.Normalise(e, Dim);
            return e;
        }

        /// <summary>The set as a score reads it, with or without its embeddings; <paramref name="loaded"/> counts the chunks read.</summary>
        public ScoringInput Input(bool withEmbeddings = true, Action? loaded = null)
        {
            var e = Normalised();
            var centers = SubCenters.ToArray();
            EmbeddingAngles.Normalise(centers, Dim);
            var cosines = EmbeddingAngles.OwnClassCosines(e, Dim, Labels, centers, K);
            var chunks = new EmbeddingChunks(Dim, Classes, [Labels], _ => { loaded?.Invoke(); return e; });
            return ScoringInput.Of(cosines, K, Labels, Identities, withEmbeddings ? chunks : null);
        }
    }

    public static TheoryData<string> Names => [.. DropScores.All];

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_score_matches_numpy(string name)
    {
        var score = DropScore.Parse(name);
        var values = score.Score(Golden.Set.Input(), whitened: false).Values;
        var expected = Golden.Set.Scores[name];
        Assert.Equal(expected.Length, values.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - values[i]) < 0.01, $"{name} of sample {i}: {values[i]:F4}, numpy {expected[i]:F4}");
    }

    [Fact]
    public void Nearest_and_dominant_sub_centers_match_numpy()
    {
        var input = Golden.Set.Input();
        Assert.Equal(Golden.Set.Nearest, input.SubCenters.Nearest);
        Assert.Equal(Golden.Set.Dominant, input.SubCenters.Dominant);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_name_round_trips_through_the_registry(string name)
    {
        var score = DropScore.Parse(name);
        Assert.Equal(name, score.Name);
        Assert.Same(score, DropScore.Parse(name.ToUpperInvariant()));
        Assert.False(string.IsNullOrWhiteSpace(score.Measures));
        var report = SubCenterPurifier.Decide(Golden.Set.Input(), Golden.Set.Labels.Select(i => $"p{i}").ToArray(), DropRule.Fixed(60) with { Score = score });
        Assert.Equal(score, DropScore.Parse(report.Score)); // reports spell it as plans do
    }

    [Fact]
    public void The_registry_holds_every_plan_name_and_nothing_else_and_refuses_an_unknown_one()
    {
        Assert.Equal(DropScores.All, DropScore.All.Select(s => s.Name));
        Assert.Equal(DropScores.SubCenter, DropScore.Parse("dominant-subcenter").Name); // what reports said before
        var e = Assert.Throws<ArgumentException>(() => DropScore.Parse("margin"));
        Assert.Equal("unknown drop score 'margin' (subcenter|class-mean|class-margin)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_purifier_reads_embeddings_only_for_a_score_that_needs_every_one(string name)
    {
        var score = DropScore.Parse(name);
        var paths = Golden.Set.Labels.Select((_, i) => $"p{i}").ToArray();
        int loads = 0;
        var report = SubCenterPurifier.Decide(Golden.Set.Input(loaded: () => loads++), paths, DropRule.Auto with { Score = score, Whitened = false });
        Assert.Equal(score.NeedsEveryEmbedding, loads > 0);
        Assert.Equal(Golden.Set.Labels.Length, report.Kept + report.Dropped);

        // Without the embeddings: refused, naming the score, or decided from the cosines alone.
        var cosinesOnly = Golden.Set.Input(withEmbeddings: false);
        if (score.NeedsEveryEmbedding)
            Assert.Contains($"the {name} score needs every sample's embedding",
                Assert.Throws<ArgumentException>(() => SubCenterPurifier.Decide(cosinesOnly, paths, DropRule.Auto with { Score = score })).Message);
        else
            Assert.Equal(report.Samples, SubCenterPurifier.Decide(cosinesOnly, paths, DropRule.Auto with { Score = score, Whitened = false }).Samples);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Whitening_applies_only_to_a_whitenable_score(string name)
    {
        var score = DropScore.Parse(name);
        var whitened = score.Score(Golden.Set.Input(), whitened: true);
        var plain = score.Score(Golden.Set.Input(), whitened: false);
        Assert.Null(plain.Whitening);
        if (score.Whitenable)
        {
            Assert.NotNull(whitened.Whitening);
            Assert.NotEqual(plain.Values, whitened.Values);
        }
        else
        {
            Assert.Null(whitened.Whitening);
            Assert.Equal(plain.Values, whitened.Values);
        }
    }

    [Fact]
    public void Only_the_unwhitened_class_margin_fits_its_clean_mode_as_a_split_normal()
    {
        var margin = DropScore.Parse(DropScores.ClassMargin);
        Assert.True(margin.SkewedCleanMode(whitened: false));
        Assert.False(margin.SkewedCleanMode(whitened: true));
        Assert.False(DropScore.Parse(DropScores.ClassMean).SkewedCleanMode(whitened: false));
        Assert.False(DropScore.Parse(DropScores.SubCenter).SkewedCleanMode(whitened: false));
    }
}
