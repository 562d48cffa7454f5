using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>
/// One sample's fate: its drop score, its nearest sub-center within its class and the class's dominant one, and the
/// decision with its reason.
/// </summary>
public sealed record SampleDecision(string Path, string Identity, string Decision, string Reason, double Score, int Subcenter, int DominantSubcenter)
{
    public bool Keep => Decision == PurificationReport.KeepDecision;
}

/// <summary>
/// The whole purification: the rule, the score (<see cref="DropScore.Name"/>), the threshold on it at or above which
/// samples were dropped and how an automatic one was fitted, and every decision.
/// </summary>
public sealed record PurificationReport(string Rule, double Threshold, ThresholdChoice? ThresholdFit, int Kept, int Dropped,
    IReadOnlyList<SampleDecision> Samples, string Score = DropScores.SubCenter)
{
    /// <summary>Set when the class-center angles were measured in the within-class-whitened space.</summary>
    public WhiteningSummary? Whitening { get; init; }

    /// <summary>Why the automatic threshold's cut is not to be trusted on this data (<see cref="ThresholdWarning"/>), or null.</summary>
    public string? Warning { get; init; }

    public const string KeepDecision = "keep";
    public const string DropDecision = "drop";

    public IReadOnlyList<int> KeptIndices() =>
        Samples.Select((s, i) => (s, i)).Where(t => t.s.Keep).Select(t => t.i).ToArray();
}
