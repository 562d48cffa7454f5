namespace Pipeline.Face.Purification;

/// <summary>
/// What a sample's angle is measured to. DominantSubCenter is the paper's rule. ClassMean is the
/// angle to the normalised mean embedding of the sample's class: it separated noise better on
/// every data set measured (AUC 0.919 vs 0.892, 0.989 vs 0.987, 0.946 vs 0.878 on three synthetic
/// set-ups; 0.920 vs 0.913 on real faces, PAPER.md section 6), see bench/RESULTS.md.
/// </summary>
public enum DropScore { DominantSubCenter, ClassMean }

/// <summary>
/// How far from its class's dominant sub-center a sample may be. Fixed: the paper's angle
/// (75 degrees). Auto: chosen per run from the angle distribution, since a fixed angle does not
/// carry over between models (clean/noisy medians moved from 36/87 to 47/65 degrees between two
/// set-ups on real faces).
/// </summary>
public sealed record DropRule(string Kind, double AngleDegrees)
{
    public const double PaperAngle = 75.0;
    public static DropRule Fixed(double degrees = PaperAngle) => new("angle", degrees);
    public static readonly DropRule Auto = new("auto", PaperAngle);
    public bool IsAuto => Kind == "auto";

    /// <summary>What the angle is measured to; the paper's dominant sub-center unless chosen.</summary>
    public DropScore Score { get; init; } = DropScore.DominantSubCenter;

    public static DropScore ParseScore(string score) => score.ToLowerInvariant() switch
    {
        "subcenter" or "dominant-subcenter" => DropScore.DominantSubCenter,
        "class-mean" or "mean" => DropScore.ClassMean,
        _ => throw new ArgumentException($"unknown drop score '{score}' (subcenter|class-mean)"),
    };

    public static DropRule Parse(string kind, double angle) => kind.ToLowerInvariant() switch
    {
        "auto" => Auto,
        "angle" or "fixed" => Fixed(angle),
        _ => throw new ArgumentException($"unknown drop rule '{kind}' (auto|angle)"),
    };
}
