namespace Pipeline.Face.Training;

/// <summary>A moment of a run, for progress bars and TrainingProgressed events.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double Accuracy, double ImagesPerSecond, double LearningRate)
{
    public double Fraction => (Epoch - 1 + (double)Step / StepsPerEpoch) / Epochs;
}

/// <summary>
/// One finished epoch. Accuracy and angle use the plain cosines (no margin) on the training labels;
/// Samples is how many it trained on (fewer than the set once self-purification leaves some out).
/// </summary>
public sealed record EpochMetrics(int Epoch, double Loss, double Accuracy, double MeanTargetAngleDegrees, double LearningRate, double ImagesPerSecond,
    double Seconds, int Samples = 0);
