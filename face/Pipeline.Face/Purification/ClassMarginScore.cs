using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>
/// The angle to the class's mean less the angle to the nearest other class's mean, plus 90: closed-set noise sits nearer
/// another class, open-set noise near none; it separates noise best (docs/METHOD.md#the-drop-score). Unwhitened, its clean
/// mode has a long right tail, so its automatic threshold fits that mode as a split normal
/// (bench/experiments/split-normal-threshold.md); whitened, the clean mode is symmetric and keeps the Gaussian.
/// </summary>
public sealed class ClassMarginScore : ClassCenterScore
{
    public override string Name => DropScores.ClassMargin;
    public override string Measures => "the angle to the class mean less the angle to the nearest other class's mean, plus 90 (over 90: another class is nearer)";
    public override bool SkewedCleanMode(bool whitened) => !whitened;

    public override IReadOnlyList<double> Of(ClassCenterAngles angles) => angles.NearestOther.Count == angles.Own.Count
        ? Enumerable.Range(0, angles.Own.Count).Select(angles.ClassMargin).ToArray()
        : throw new InvalidOperationException("the class margin needs the angles to the nearest other class");

    protected override string Describe(ClassCenterAngles angles, IReadOnlyList<double> scores, int i, IReadOnlyList<string> identities, bool whitened) =>
        $"class margin {scores[i]:F1} ({(whitened ? "whitened: " : "")}{angles.Own[i]:F1} deg to the class mean, {angles.NearestOther[i]:F1} to "
        + $"{(angles.NearestOtherClass[i] < 0 ? "no other class" : identities[angles.NearestOtherClass[i]])}'s, + 90)";
}
