namespace Pipeline.Face.Purification;

/// <summary>
/// A drop score made of each sample's angles to the class means (<see cref="ClassCenterAngles"/>): it reads every
/// embedding, and is measured in the within-class-whitened space unless asked not to (docs/METHOD.md#within-class-whitening).
/// </summary>
public abstract class ClassCenterScore : DropScore
{
    public sealed override bool NeedsEveryEmbedding => true;
    public sealed override bool Whitenable => true;

    /// <summary>Every sample's score from its angles to the class means.</summary>
    public abstract IReadOnlyList<double> Of(ClassCenterAngles angles);

    /// <summary>How sample <paramref name="i"/>'s score came about, for its reason.</summary>
    protected abstract string Describe(ClassCenterAngles angles, IReadOnlyList<double> scores, int i, IReadOnlyList<string> identities, bool whitened);

    /// <summary>Every sample's angles to the class means as this score measures them, in the within-class-whitened space or not.</summary>
    public ClassCenterAngles Angles(EmbeddingChunks data, bool whitened, CancellationToken ct = default) => whitened
        // The whitening's first pass cuts where this score would on its own, unwhitened.
        ? ClassCenterScoring.Whitened(data, Of, SkewedCleanMode(whitened: false), ct: ct)
        : ClassCenterScoring.Angles(data, ct: ct);

    protected sealed override SampleScores Measure(ScoringInput input, bool whitened, CancellationToken ct)
    {
        var angles = Angles(input.Embeddings!, whitened, ct);
        var scores = Of(angles);
        bool measuredWhitened = angles.Whitening is not null;
        return new SampleScores(scores, i => Describe(angles, scores, i, input.Identities, measuredWhitened))
        {
            Whitening = angles.Whitening,
            EstimatedNoise = angles.ConfidentNoise,
        };
    }
}
