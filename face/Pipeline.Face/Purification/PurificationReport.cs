namespace Pipeline.Face.Purification;

/// <summary>
/// One sample's fate: its nearest sub-center within its class, whether that is the class's
/// dominant one, its angle to the dominant one, and the decision with its reason.
/// </summary>
public sealed record SampleDecision(string Path, string Identity, string Decision, string Reason, double Angle, int Subcenter, int DominantSubcenter)
{
    public bool Keep => Decision == PurificationReport.KeepDecision;
}

/// <summary>
/// The whole purification: the rule, the threshold it came to, what the angles were measured to
/// (the dominant sub-center, or the class mean), and every decision.
/// </summary>
public sealed record PurificationReport(string Rule, double ThresholdDegrees, ThresholdChoice? Threshold, int Kept, int Dropped,
    IReadOnlyList<SampleDecision> Samples, string Score = "dominant-subcenter")
{
    /// <summary>Set when the class-centre angles were measured in the within-class-whitened space.</summary>
    public WhiteningSummary? Whitening { get; init; }

    /// <summary>Why the automatic threshold's cut is not to be trusted on this data (<see cref="ThresholdWarning"/>), or null.</summary>
    public string? Warning { get; init; }

    public const string KeepDecision = "keep";
    public const string DropDecision = "drop";

    public IReadOnlyList<int> KeptIndices() =>
        Samples.Select((s, i) => (s, i)).Where(t => t.s.Keep).Select(t => t.i).ToArray();
}
