namespace Pipeline.Alignment;

/// <summary>
/// The detector runs at a low floor (Detector.ScoreThreshold) so that photos whose faces all score between
/// it and <see cref="AcceptScore"/> are told apart from photos with no face at all.
/// </summary>
public sealed record AlignerOptions
{
    public DetectorOptions Detector { get; init; } = new() { ScoreThreshold = 0.3f };

    /// <summary>A face is kept only when it scores at least this; below it the photo is low-detection-score.</summary>
    public float AcceptScore { get; init; } = 0.6f;

    public void Validate()
    {
        Detector.Validate();
        if (AcceptScore < Detector.ScoreThreshold || AcceptScore > 1 || float.IsNaN(AcceptScore))
            throw new ArgumentException($"AcceptScore {AcceptScore} is not in [Detector.ScoreThreshold {Detector.ScoreThreshold}, 1]");
    }
}
