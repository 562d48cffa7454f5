namespace Pipeline.Alignment;

/// <summary>
/// insightface's five-point layout of an aligned 112x112 face (arcface_dst): where the eyes, nose tip
/// and mouth corners land. Other crop sizes scale it by size/112.
/// </summary>
public static class FaceTemplate
{
    public const int Size = 112;

    private static readonly PointF[] Points112 =
    [
        new(38.2946f, 51.6963f), new(73.5318f, 51.5014f), new(56.0252f, 71.7366f),
        new(41.5493f, 92.3655f), new(70.7299f, 92.2041f),
    ];

    /// <summary>The template for an <paramref name="outSize"/> x outSize crop.</summary>
    public static PointF[] For(int outSize)
    {
        if (outSize < 1) throw new ArgumentOutOfRangeException(nameof(outSize), outSize, "crop size must be positive");
        float r = outSize / (float)Size;
        return Array.ConvertAll(Points112, p => new PointF(p.X * r, p.Y * r));
    }
}
