using Pipeline.Contracts;
using Pipeline.Face.Purification;
using Pipeline.Infra.Blobs;

namespace Pipeline.Purifier.Tests;

/// <summary>
/// The Purifier service splits the work per shard and decides in the instance that finishes last:
/// its decisions must be the ones the library makes over the whole set at once, for every score,
/// including the class-centre scores whose class means are summed over shards.
/// </summary>
[Collection(PurifierCollection.Name)]
public sealed class PurifierServiceTests(PurifierFixture fixture)
{
    [Theory]
    [InlineData(DropScores.SubCenter)]
    [InlineData(DropScores.ClassMargin)]
    public async Task Shard_by_shard_decisions_equal_the_whole_set_decided_at_once(string score)
    {
        // A noisy set packed in 4 shards, and a K=3 model trained on it, where the Trainer would put them.
        var host = fixture.Host;
        var (blobs, set, model) = (host.Blobs, host.Set, host.Model);
        const string datasetId = PurifierHost.DatasetId;
        var runId = "r-purify-" + score;

        // The threshold: the median score of the whole set, so that about half the samples go either way.
        var scored = ModelPurification.Purify(model, set, DropRule.Fixed(90) with { Score = DropScore.Parse(score) });
        double median = scored.Samples.Select(x => x.Score).Order().ElementAt(set.Count / 2);
        var plan = RunPlan.Default with { DropScore = score, DropRule = DropRules.Angle, DropThreshold = median };
        await host.Bus.Publish(await host.TrainedAsync(runId, plan));

        await host.Probe.HandledAsync(runId, PurifierHost.Shards);
        var report = await host.Store.GetJsonAsync<PurificationReport>(BlobContainers.Datasets, BlobPaths.PurifiedReport(datasetId, runId), default);
        Assert.NotNull(report);
        int shards = (await blobs.ListAsync(BlobContainers.Datasets, BlobPaths.PurifiedFolder(datasetId, runId) + "cosines/")).Count;
        Assert.Equal(4, shards);
        // The class-center score's embeddings were the decision's input only: gone once it is made.
        Assert.Empty(await blobs.ListAsync(BlobContainers.Datasets, BlobPaths.PurifiedFolder(datasetId, runId) + "embeddings/"));

        var whole = ModelPurification.Purify(model, set, DropRule.Fixed(median) with { Score = DropScore.Parse(score) });
        Assert.Equal(whole.Score, report.Score);
        Assert.Equal(median, report.Threshold, 6);
        var byPath = report.Samples.ToDictionary(s => s.Path);
        Assert.Equal(set.Count, byPath.Count);
        if (score == DropScores.SubCenter) Assert.Null(report.Whitening);
        else
        {
            // Both measured the class margin in the within-class-whitened space, fitted to the same samples.
            Assert.NotNull(report.Whitening);
            // (A sample within float noise of the first pass's threshold may fall on either side of it: one sample more or less.)
            Assert.InRange(report.Whitening.FittedOn, whole.Whitening!.FittedOn - 1, whole.Whitening.FittedOn + 1);
            Assert.Equal(whole.Whitening.FirstPassThreshold, report.Whitening.FirstPassThreshold, 0.05);
        }
        foreach (var expected in whole.Samples)
        {
            var got = byPath[expected.Path];
            // A shard is embedded in other batches than the whole set, so embeddings differ in their last float bits; the
            // within-class whitening stretches the directions clean samples hardly vary in, and those bits with them.
            Assert.Equal(expected.Score, got.Score, 0.05);
            if (Math.Abs(expected.Score - whole.Threshold) > 0.1) Assert.Equal(expected.Decision, got.Decision);
        }
        Assert.InRange(report.Dropped, set.Count / 3, 2 * set.Count / 3);
    }

    [Fact]
    public void The_score_histogram_counts_every_sample_in_its_bin_by_decision()
    {
        double[] angles = [60.2, 61.0, 75.5, 88.0, 92.0, 119.9];
        var samples = angles.Select((a, i) => new SampleDecision($"a/{i}", "a", a < 90 ? PurificationReport.KeepDecision : PurificationReport.DropDecision,
            "", a, 0, 0)).ToList();
        var choice = new ThresholdChoice(90, ScoreThreshold.MixtureCrossing, 70, 8, 105, 10, 0.3, 3);
        var report = new PurificationReport("auto", 90, choice, 4, 2, samples, "class-margin");

        var d = ScoreDistributions.Of(report);

        Assert.Equal((60.0, 1.0, 60), (d.FromDegrees, d.BinDegrees, d.Kept.Length));
        Assert.Equal([0, 1, 15, 28], d.Kept.Select((k, b) => (k, b)).Where(t => t.k > 0).Select(t => t.b));
        Assert.Equal(2, d.Kept[0] + d.Kept[1]);
        Assert.Equal(1, d.Dropped[32]);
        Assert.Equal(1, d.Dropped[59]);
        Assert.Equal((4, 2), (d.Kept.Sum(), d.Dropped.Sum()));
        Assert.Equal(ScoreThreshold.MixtureCrossing, d.ThresholdMethod);
        // A wide spread gets wider bins: never more than MaxBins.
        var wide = ScoreDistributions.Of(report with { Samples = [.. samples, samples[0] with { Score = 400 }] });
        Assert.True(wide.Kept.Length <= ScoreDistributions.MaxBins);
        Assert.Equal(7, wide.Kept.Sum() + wide.Dropped.Sum());
    }

    [Fact]
    public void The_plan_decides_the_drop_rule_the_purifier_applies()
    {
        Assert.Equal(DropRule.Auto with { Score = new ClassMarginScore() }, DropRule.For(RunPlan.Default));
        Assert.Equal(0.9, DropRule.For(RunPlan.Default with { DropNoisePosterior = 0.9 }).NoisePosterior);
        var paper = DropRule.For(RunPlan.Default with { DropRule = DropRules.Angle, DropThreshold = 75, WithinClassWhitening = false });
        Assert.Equal(DropRule.Fixed(75) with { Whitened = false }, paper);
    }
}
