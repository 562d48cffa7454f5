using Pipeline.Face.Training;

namespace Pipeline.Face.Tests;

public class CollapseDetectorTests
{
    private static EpochMetrics E(int epoch, double loss, double acc, double angle) => new(epoch, loss, acc, angle, 0.1, 100, 1);

    [Fact]
    public void Samples_far_from_their_centers_after_warmup_are_a_collapse()
    {
        var history = new List<EpochMetrics> { E(1, 20, 0.1, 85), E(2, 15, 0.05, 150) };
        Assert.Throws<TrainingCollapsedException>(() => CollapseDetector.Check(history, warmupEpochs: 1));
    }

    [Fact]
    public void Falling_loss_with_falling_accuracy_is_a_collapse()
    {
        var history = new List<EpochMetrics> { E(1, 20, 0.6, 60), E(2, 15, 0.4, 70), E(3, 10, 0.25, 80) };
        Assert.Throws<TrainingCollapsedException>(() => CollapseDetector.Check(history, warmupEpochs: 0));
    }

    [Fact]
    public void Falling_loss_while_samples_drift_past_90_degrees_is_a_collapse()
    {
        // The history of a real failed run here: sub-center ArcFace, lr 0.1, batch 64, 200 synthetic identities.
        var history = new List<EpochMetrics> { E(1, 44.62, 0.011, 85.2), E(2, 41.89, 0.011, 84.9), E(3, 38.49, 0.009, 86.5),
            E(4, 37.32, 0.016, 88.9), E(5, 36.08, 0.031, 91.6) };
        var e = Assert.Throws<TrainingCollapsedException>(() => CollapseDetector.Check(history, warmupEpochs: 1));
        Assert.Contains("85 -> 92 degrees", e.Message);
    }

    [Fact]
    public void A_healthy_run_and_a_bad_warmup_are_not()
    {
        CollapseDetector.Check([E(1, 20, 0.01, 140)], warmupEpochs: 1);
        CollapseDetector.Check([E(1, 20, 0.2, 80), E(2, 15, 0.5, 60), E(3, 10, 0.8, 45)], warmupEpochs: 1);
    }

    [Fact]
    public void A_non_finite_loss_is_a_collapse_at_once()
    {
        Assert.Throws<TrainingCollapsedException>(() => CollapseDetector.Check([E(1, double.NaN, 0, 90)], warmupEpochs: 5));
    }
}
