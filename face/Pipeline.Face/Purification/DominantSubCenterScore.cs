using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>The paper's drop score (section 3.4): the angle to the class's dominant sub-center, from the cosines alone.</summary>
public sealed class DominantSubCenterScore : DropScore
{
    public override string Name => DropScores.SubCenter;
    public override string Measures => "the angle (degrees) to the class's dominant sub-center";
    public override bool NeedsEveryEmbedding => false;

    /// <summary>What reports called it before it had the plans' spelling.</summary>
    public override IReadOnlyList<string> FormerNames => ["dominant-subcenter"];

    protected override SampleScores Measure(ScoringInput input, bool whitened, CancellationToken ct)
    {
        var (k, cosines, dominant) = (input.SubCenters.K, input.SubCenters.Cosines, input.SubCenters.Dominant);
        var labels = input.Labels;
        var angles = new double[labels.Count];
        for (int i = 0; i < angles.Length; i++) angles[i] = EmbeddingAngles.AngleDegrees(cosines[i * k + dominant[labels[i]]]);
        return new SampleScores(angles, i => $"{angles[i]:F1} deg to dominant sub-center {dominant[labels[i]]}");
    }
}
