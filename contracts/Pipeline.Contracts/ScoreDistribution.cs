namespace Pipeline.Contracts;

/// <summary>
/// How a purification's drop scores fell, for an operator to judge the threshold by eye: samples kept and dropped
/// per bin of <see cref="BinDegrees"/> starting at <see cref="FromDegrees"/>, the score's name, whether it was
/// measured whitened, and how the threshold was chosen.
/// </summary>
public sealed record ScoreDistribution(string Score, bool Whitened, double FromDegrees, double BinDegrees, int[] Kept, int[] Dropped,
    string ThresholdMethod);
