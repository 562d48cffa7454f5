namespace Pipeline.Face.Training;

/// <summary>Training stopped because the model degenerated; no model is written.</summary>
public sealed class TrainingCollapsedException(string message) : InvalidOperationException(message);

/// <summary>
/// Recognises a collapsed run: the loss keeps falling while accuracy falls and the samples drift away
/// from their own centers (the fallback branch of the margin rewards pushing everything away). A healthy
/// model keeps its training samples well inside 90 degrees of their centers once warm-up is over, and
/// brings them closer every epoch. Seen at too high a learning rate (bench/experiments/subcenter-learning-rate.md).
/// </summary>
public static class CollapseDetector
{
    public const double MaxMeanTargetAngle = 110.0;

    public static void Check(IReadOnlyList<EpochMetrics> history, double warmupEpochs)
    {
        if (history.Count == 0) return;
        var last = history[^1];
        if (!double.IsFinite(last.Loss))
            throw new TrainingCollapsedException($"epoch {last.Epoch}: loss is {last.Loss}; lower the learning rate");
        if (last.Epoch <= Math.Ceiling(warmupEpochs)) return;
        if (last.MeanTargetAngleDegrees > MaxMeanTargetAngle)
            throw new TrainingCollapsedException(
                $"epoch {last.Epoch}: collapsed, samples are {last.MeanTargetAngleDegrees:F0} degrees from their class centers on average " +
                $"(accuracy {last.Accuracy:P1}, loss {last.Loss:F3}); lower the learning rate");
        if (history.Count >= 4 && last.MeanTargetAngleDegrees > 90
            && Enumerable.Range(history.Count - 3, 3).All(i => history[i].MeanTargetAngleDegrees > history[i - 1].MeanTargetAngleDegrees
                                                             && history[i].Loss < history[i - 1].Loss))
            throw new TrainingCollapsedException(
                $"epoch {last.Epoch}: diverging, the loss falls ({history[^4].Loss:F3} -> {last.Loss:F3}) while samples drift away from their centers " +
                $"({history[^4].MeanTargetAngleDegrees:F0} -> {last.MeanTargetAngleDegrees:F0} degrees, accuracy {last.Accuracy:P1}); lower the learning rate");
        double peak = history.Max(h => h.Accuracy);
        if (history.Count >= 3 && peak > 0.2 && last.Accuracy < 0.5 * peak
            && history[^1].Loss < history[^2].Loss && history[^2].Loss < history[^3].Loss
            && history[^1].Accuracy < history[^2].Accuracy && history[^2].Accuracy < history[^3].Accuracy)
            throw new TrainingCollapsedException(
                $"epoch {last.Epoch}: collapsing, loss falls ({history[^3].Loss:F3} -> {last.Loss:F3}) while accuracy falls " +
                $"({history[^3].Accuracy:P1} -> {last.Accuracy:P1}, peak {peak:P1}); lower the learning rate");
    }
}
