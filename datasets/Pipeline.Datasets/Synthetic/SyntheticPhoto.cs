using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>Where one synthetic person stands in a photo: the centre and side, in pixels, of their 112-unit head box.</summary>
public sealed record FacePlacement(int Identity, float CentreX, float CentreY, float Size);

/// <summary>
/// A raw-photo-like scene for face detection: synthetic people (the same renderer as the face set) drawn at
/// known places and sizes on a larger backdrop, as a JPEG. A pure function of its arguments.
/// </summary>
public static class SyntheticPhoto
{
    private const long TraitsStream = 30, ShotStream = 31, BackdropStream = 32;

    /// <param name="seed">Picks the backdrop and each person's pose; a person's looks depend on (seed, identity) only.</param>
    /// <param name="difficulty">As <see cref="SyntheticFaceOptions.Difficulty"/>: 0 gives frontal, neutral faces.</param>
    public static byte[] Render(int width, int height, IReadOnlyList<FacePlacement> faces, long seed, double difficulty = 1, int quality = 90)
    {
        if (width < 16 || height < 16) throw new ArgumentException($"a {width}x{height} photo is too small to hold a face");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException("could not create a drawing surface");
        var c = surface.Canvas;
        c.Save();
        c.Scale(width / 112f, height / 112f);
        SyntheticFaceGenerator.DrawBackdrop(c, FaceShot.Sample(SeededRandom.For(seed, BackdropStream), 1));
        c.Restore();
        for (int k = 0; k < faces.Count; k++)
        {
            var f = faces[k];
            var traits = FaceTraits.Sample(SeededRandom.For(seed, TraitsStream, f.Identity));
            var shot = FaceShot.Sample(SeededRandom.For(seed, ShotStream, k), (float)difficulty);
            c.Save();
            c.Translate(f.CentreX, f.CentreY);
            c.Scale(f.Size / 112f);
            new FaceRenderer(c, traits, shot).Draw();
            c.Restore();
        }
        using var image = surface.Snapshot();
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, quality) ?? throw new InvalidOperationException("JPEG encoder failed");
        return jpeg.ToArray();
    }
}
