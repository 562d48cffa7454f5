namespace Pipeline.Face.Evaluation;

/// <summary>TAR at one FAR; null when there are too few impostor pairs to measure that FAR.</summary>
public sealed record TarAtFar(double Far, double? Tar, double? Threshold);

/// <summary>LFW-protocol verification: mean and std of the 10 held-out fold accuracies, plus TAR@FAR over all pairs.</summary>
public sealed record VerificationResult(double Accuracy, double Std, double[] FoldAccuracies, double[] FoldThresholds, IReadOnlyList<TarAtFar> TarAtFar, int Pairs);
