using Pipeline.Datasets;

namespace Pipeline.Alignment;

/// <summary>
/// Ingest's <see cref="IFaceCrop"/> for the <c>landmarks</c> face alignment: the photo's five shipped points mapped onto
/// the template and warped, as a detected face is (<see cref="FaceWarp"/>); no detector runs.
/// </summary>
public sealed class ShippedLandmarksCrop(LandmarkFiles landmarks, float templateScale = 1) : IFaceCrop
{
    /// <summary>Eyes closer than this many decoded pixels make no face: the points are degenerate.</summary>
    private const double MinEyeDistance = 1;

    public LandmarkFiles Landmarks => landmarks;

    // The warp samples at most one source pixel per output pixel where the face is large: decoding at twice the output keeps detail.
    public int DecodeSide(int outSize) => 2 * outSize;

    public string? Crop(in DecodedPhoto photo, int outSize, Span<byte> rgb)
    {
        if (photo.Path is not { } path) throw new ArgumentException("face alignment 'landmarks' looks photos up by path, and the photo has none", nameof(photo));
        var shipped = landmarks.For(path);
        if (shipped is null) return QuarantineReasons.Format(QuarantineReasons.NoLandmarks, $"{landmarks.File} has no line for it");
        var points = new PointF[5];
        float s = photo.Scale;
        for (int i = 0; i < 5; i++) points[i] = new PointF(shipped[i].X * s, shipped[i].Y * s);
        if (Distance(points[0], points[1]) < MinEyeDistance)
            return QuarantineReasons.Format(QuarantineReasons.NoLandmarks, $"{landmarks.File} puts both eyes on one point");
        int w = photo.Width, h = photo.Height;
        if (points.All(p => p.X < 0 || p.Y < 0 || p.X >= w || p.Y >= h))
            return QuarantineReasons.Format(QuarantineReasons.NoLandmarks, $"{landmarks.File} puts every point outside the {photo.SourceWidth}x{photo.SourceHeight} photo");
        FaceWarp.Warp(photo.Rgba, photo.Width, photo.Height, photo.RowBytes, 4, FaceWarp.ToTemplate(points, outSize, templateScale), outSize, rgb);
        return null;
    }

    private static double Distance(PointF a, PointF b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
