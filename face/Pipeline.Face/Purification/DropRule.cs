using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>
/// How the purifier decides: which <see cref="DropScore"/> it scores by and the threshold at or above which a sample is
/// dropped. Fixed: a threshold given in the score's units (the paper's 75 degrees to the dominant sub-center). Auto: fitted
/// per run to the scores' distribution (<see cref="ScoreThreshold"/>), since a fixed one does not carry over between models
/// (docs/METHOD.md#the-automatic-threshold).
/// </summary>
public sealed record DropRule(string Kind, double FixedThreshold)
{
    /// <summary>The paper's threshold: 75 degrees to the dominant sub-center.</summary>
    public const double PaperAngle = 75.0;
    public static DropRule Fixed(double threshold = PaperAngle) => new(DropRules.Angle, threshold);
    public static readonly DropRule Auto = new(DropRules.Auto, PaperAngle);
    public bool IsAuto => Kind == DropRules.Auto;

    /// <summary>What the samples are scored by; the paper's dominant sub-center unless chosen.</summary>
    public DropScore Score { get; init; } = DropScore.Parse(DropScores.SubCenter);

    /// <summary>
    /// Whether a <see cref="DropScore.Whitenable"/> score is measured in the within-class-whitened space (<see cref="WithinClassWhitening"/>;
    /// the default). It has no effect on the other scores.
    /// </summary>
    public bool Whitened { get; init; } = true;

    /// <summary>
    /// With the automatic threshold, drop a sample only where the fitted mixture's noisy mode claims it with at least
    /// this posterior (<see cref="ScoreThreshold.AtPosterior"/>); 0.5, the default, is where the two modes cross.
    /// Higher keeps more clean samples and more noise: for sets thought cleaner than the mixture makes them.
    /// </summary>
    public double NoisePosterior { get; init; } = ScoreThreshold.CrossingPosterior;

    /// <summary>The automatic threshold fitted to <paramref name="scores"/>, or null with a fixed one (<see cref="FixedThreshold"/>).</summary>
    public ThresholdChoice? Fit(SampleScores scores) => IsAuto
        ? ScoreThreshold.AtPosterior(ScoreThreshold.Choose(scores.Values, Score.SkewedCleanMode(scores.Whitening is not null), scores.EstimatedNoise), NoisePosterior)
        : null;

    public static DropRule Parse(string kind, double threshold) => kind.ToLowerInvariant() switch
    {
        DropRules.Auto => Auto,
        DropRules.Angle or "fixed" => Fixed(threshold),
        _ => throw new ArgumentException($"unknown drop rule '{kind}' ({string.Join("|", DropRules.All)})"),
    };

    /// <summary>The drop rule a run's plan asks for: rule, score, whitening and the automatic threshold's noise posterior.</summary>
    public static DropRule For(RunPlan plan) =>
        Parse(plan.DropRule, plan.DropThreshold) with
        {
            Score = DropScore.Parse(plan.EffectiveDropScore),
            Whitened = plan.Whitened,
            NoisePosterior = plan.DropNoisePosterior ?? ScoreThreshold.CrossingPosterior,
        };
}
