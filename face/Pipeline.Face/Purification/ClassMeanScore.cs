using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>The angle to the normalised mean embedding of the sample's class.</summary>
public sealed class ClassMeanScore : ClassCenterScore
{
    public override string Name => DropScores.ClassMean;
    public override string Measures => "the angle (degrees) to the mean embedding of the sample's class";

    public override IReadOnlyList<double> Of(ClassCenterAngles angles) => angles.Own;

    protected override string Describe(ClassCenterAngles angles, IReadOnlyList<double> scores, int i, IReadOnlyList<string> identities, bool whitened) =>
        $"{scores[i]:F1} deg to the class mean{(whitened ? " (whitened)" : "")}";
}
