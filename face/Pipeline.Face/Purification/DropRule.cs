namespace Pipeline.Face.Purification;

/// <summary>
/// What a sample's score is measured to. DominantSubCenter is the paper's rule: the angle to the
/// class's dominant sub-center. ClassMean is the angle to the normalised mean embedding of the
/// sample's class. ClassMargin is that angle less the angle to the nearest other class's mean, plus 90:
/// closed-set noise sits nearer another class, open-set noise near none; it separates noise best
/// (docs/METHOD.md#the-drop-score).
/// </summary>
public enum DropScore { DominantSubCenter, ClassMean, ClassMargin }

/// <summary>
/// How far from its class's dominant sub-center a sample may be. Fixed: the paper's angle
/// (75 degrees). Auto: chosen per run from the angle distribution, since a fixed angle does not
/// carry over between models (docs/METHOD.md#the-automatic-threshold).
/// </summary>
public sealed record DropRule(string Kind, double AngleDegrees)
{
    public const double PaperAngle = 75.0;
    public static DropRule Fixed(double degrees = PaperAngle) => new("angle", degrees);
    public static readonly DropRule Auto = new("auto", PaperAngle);
    public bool IsAuto => Kind == "auto";

    /// <summary>What the angle is measured to; the paper's dominant sub-center unless chosen.</summary>
    public DropScore Score { get; init; } = DropScore.DominantSubCenter;

    /// <summary>
    /// Whether the class-centre scores are measured in the within-class-whitened space (<see cref="WithinClassWhitening"/>;
    /// the default). It has no effect on the dominant sub-center rule.
    /// </summary>
    public bool Whitened { get; init; } = true;

    /// <summary>
    /// With the automatic threshold, drop a sample only where the fitted mixture's noisy mode claims it with at least
    /// this posterior (<see cref="AngleThreshold.AtPosterior"/>); 0.5, the default, is where the two modes cross.
    /// Higher keeps more clean samples and more noise: for sets thought cleaner than the mixture makes them.
    /// </summary>
    public double NoisePosterior { get; init; } = AngleThreshold.CrossingPosterior;

    public static DropScore ParseScore(string score) => score.ToLowerInvariant() switch
    {
        "subcenter" or "dominant-subcenter" => DropScore.DominantSubCenter,
        "class-mean" or "mean" => DropScore.ClassMean,
        "class-margin" or "margin" => DropScore.ClassMargin,
        _ => throw new ArgumentException($"unknown drop score '{score}' (subcenter|class-mean|class-margin)"),
    };

    /// <summary>The score's name in reports and plans (<see cref="ParseScore"/> reads it back).</summary>
    public static string ScoreName(DropScore score) => score switch
    {
        DropScore.ClassMean => "class-mean",
        DropScore.ClassMargin => "class-margin",
        _ => "dominant-subcenter",
    };

    public static DropRule Parse(string kind, double angle) => kind.ToLowerInvariant() switch
    {
        "auto" => Auto,
        "angle" or "fixed" => Fixed(angle),
        _ => throw new ArgumentException($"unknown drop rule '{kind}' (auto|angle)"),
    };
}
