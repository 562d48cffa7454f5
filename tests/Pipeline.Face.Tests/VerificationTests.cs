using Pipeline.Face.Evaluation;

namespace Pipeline.Face.Tests;

public class VerificationTests
{
    [Fact]
    public void Separable_scores_give_full_accuracy()
    {
        var scores = Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? 0.8 : 0.1) + (i % 10) * 1e-3).ToArray();
        var same = Enumerable.Range(0, 100).Select(i => i % 2 == 0).ToArray();
        var r = Verification.Evaluate(scores, same);
        Assert.Equal(1.0, r.Accuracy);
        Assert.Equal(0.0, r.Std);
        Assert.All(r.FoldThresholds, t => Assert.InRange(t, 0.2, 0.8));
    }

    [Fact]
    public void One_bad_pair_costs_its_fold_and_only_its_fold()
    {
        // 10 folds of 10 pairs in file order; pair 0 is genuine with a hopeless score.
        var scores = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? 0.9 : 0.2).ToArray();
        scores[0] = -1;
        var same = Enumerable.Range(0, 100).Select(i => i % 2 == 0).ToArray();
        var r = Verification.Evaluate(scores, same);
        Assert.Equal(0.9, r.FoldAccuracies[0], 9);
        Assert.All(r.FoldAccuracies.Skip(1), a => Assert.Equal(1.0, a, 9));
        Assert.Equal(0.99, r.Accuracy, 9);
        Assert.Equal(0.03, r.Std, 9);
    }

    [Fact]
    public void Tar_at_far_uses_the_impostor_quantile_and_refuses_unmeasurable_fars()
    {
        var impostor = Enumerable.Range(0, 1000).Select(i => i / 1000.0);
        double[] genuine = [0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5];
        var scores = impostor.Concat(genuine).ToArray();
        var same = scores.Select((_, i) => i >= 1000).ToArray();

        var at2 = Verification.TarAt(scores, same, 1e-2);
        Assert.Equal(0.989, at2.Threshold!.Value, 9); // 10 impostors (0.990..0.999) above it
        Assert.Equal(0.9, at2.Tar!.Value, 9);
        var at3 = Verification.TarAt(scores, same, 1e-3);
        Assert.Equal(0.998, at3.Threshold!.Value, 9);
        var at4 = Verification.TarAt(scores, same, 1e-4);
        Assert.Null(at4.Tar); // 1,000 impostor pairs cannot measure a 1e-4 FAR
    }

    [Fact]
    public void Rank1_finds_the_nearest_neighbour_identity()
    {
        // 2-d unit vectors: identity 0 near angle 0, identity 1 near 90 degrees; one mislabelled sample.
        float[] V(double deg) => [(float)Math.Cos(deg * Math.PI / 180), (float)Math.Sin(deg * Math.PI / 180)];
        var emb = new[] { V(0), V(5), V(10), V(90), V(85), V(80) }.SelectMany(v => v).ToArray();
        Assert.Equal(1.0, Identification.Rank1LeaveOneOut(emb, 2, [0, 0, 0, 1, 1, 1]));
        Assert.Equal(4.0 / 6, Identification.Rank1LeaveOneOut(emb, 2, [0, 0, 1, 1, 1, 0]), 9);
    }
}
