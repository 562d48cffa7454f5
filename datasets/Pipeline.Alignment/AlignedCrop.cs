namespace Pipeline.Alignment;

/// <summary>
/// Whether an image already is an insightface-style aligned crop, so detecting and warping it again
/// would only blur it: square, 96-128 px, and either its detected landmarks lie on the template scaled to
/// its size (each within <see cref="Tolerance"/> of the side) or it is exactly 112x112 and no face was found
/// (the detector misses some faces that fill the whole frame).
/// </summary>
public static class AlignedCrop
{
    public const int MinSide = 96, MaxSide = 128;

    /// <summary>
    /// Largest landmark distance from the template, as a fraction of the side (11 px at 112): YuNet's landmarks on a
    /// crop that fills the frame sit a few pixels off those it finds on the whole photo.
    /// </summary>
    public const float Tolerance = 0.1f;

    /// <summary>Square and of an aligned crop's size (what `auto` takes as a face crop without detecting).</summary>
    public static bool IsCropSized(int width, int height) => width == height && width is >= MinSide and <= MaxSide;

    public static bool IsAlreadyAlignedCrop(int width, int height, FaceDetection? detection)
    {
        if (!IsCropSized(width, height)) return false;
        if (detection is null) return width == FaceTemplate.Size;
        return TemplateDistance(detection.Landmarks, width) <= Tolerance * width;
    }

    /// <summary>The largest distance, in pixels, between the landmarks and the template for a side x side crop.</summary>
    public static float TemplateDistance(ReadOnlySpan<PointF> landmarks, int side)
    {
        var t = FaceTemplate.For(side);
        float worst = 0;
        for (int i = 0; i < t.Length; i++)
            worst = Math.Max(worst, MathF.Sqrt((landmarks[i].X - t[i].X) * (landmarks[i].X - t[i].X) + (landmarks[i].Y - t[i].Y) * (landmarks[i].Y - t[i].Y)));
        return worst;
    }
}
