namespace Pipeline.Alignment;

/// <summary>
/// Which face of a photo to keep. Only faces scoring at least minScore compete; each gets
/// priority = box area x centrality, where centrality = 1 - 0.5 d and d is the distance from the box
/// centre to the photo centre over half the photo's diagonal (1 at the centre, 0.5 at a corner). The
/// best face dominates when its priority is at least <see cref="DominanceRatio"/> times the runner-up's:
/// twice the area at the same place, or the same size where the other sits far from the centre.
/// Otherwise the photo has multiple faces. With no face at minScore it is low-detection-score when the
/// detector found some face below it, and no-face when it found none.
/// </summary>
public static class DominantFace
{
    public const float DominanceRatio = 2f;

    /// <param name="detections">The detector's faces after NMS (those above its floor threshold).</param>
    public static AlignmentOutcome Choose(IReadOnlyList<FaceDetection> detections, int width, int height, float minScore)
    {
        if (detections.Count == 0) return AlignmentOutcome.NoFace();
        var ranked = detections.Where(f => f.Score >= minScore)
            .OrderByDescending(f => Priority(f, width, height)).ThenByDescending(f => f.Score).ToList();
        if (ranked.Count == 0) return new AlignmentOutcome(AlignmentKind.LowScore, detections.MaxBy(f => f.Score), detections.Count);
        if (ranked.Count == 1 || Priority(ranked[0], width, height) >= DominanceRatio * Priority(ranked[1], width, height))
            return new AlignmentOutcome(AlignmentKind.Aligned, ranked[0], ranked.Count);
        return new AlignmentOutcome(AlignmentKind.MultipleFaces, ranked.MaxBy(f => f.Score), ranked.Count);
    }

    public static float Priority(FaceDetection f, int width, int height)
    {
        var c = f.Box.Centre;
        float dx = c.X - (width - 1) / 2f, dy = c.Y - (height - 1) / 2f;
        float d = MathF.Sqrt(dx * dx + dy * dy) / (0.5f * MathF.Sqrt((float)width * width + (float)height * height));
        return f.Box.Area * (1 - 0.5f * Math.Min(1, d));
    }
}
