using Pipeline.Contracts;
using Pipeline.Datasets;
using SkiaSharp;

namespace Pipeline.Alignment;

/// <summary>
/// How ingest finds the face in each photo of a drop (a run plan's <c>faceAlignment</c>, the CLI's <c>--align</c>):
/// <list type="bullet">
/// <item><c>auto</c> (the default): a square image of <see cref="AlignedCrop.MinSide"/>-<see cref="AlignedCrop.MaxSide"/> px
/// is taken as a face crop already (aligned sets ship so; detecting again in a frame the face fills is unreliable and
/// warping it again blurs it) and resized; any other photo is detected and aligned;</item>
/// <item><c>detect</c>: every image is detected and aligned;</item>
/// <item><c>landmarks</c>: no detection; each photo's five points come with the drop (<see cref="LandmarkFiles"/>);</item>
/// <item><c>none</c>: the centred square crop, no detection (faces already cropped some other way).</item>
/// </list>
/// Aligned means the dominant face's five landmarks mapped onto insightface's 112x112 template (scaled to the packed
/// size); photos without one are quarantined as no-face, low-detection-score, multiple-faces or no-landmarks.
/// </summary>
public static class FacePolicy
{
    public const string Auto = FaceAlignments.Auto, Detect = FaceAlignments.Detect, Landmarks = FaceAlignments.Landmarks, None = FaceAlignments.None;

    private static readonly Lazy<FaceAligner> Aligner = new(() => new FaceAligner());

    /// <summary>The face crop for a policy name (null: the centred square crop); an unknown name throws naming the known ones.</summary>
    /// <param name="input">The dataset's folder or archive, where the <c>landmarks</c> policy reads its landmarks file (<see cref="LandmarkFiles"/>).</param>
    /// <param name="detections">Where faces already found are kept, so an unchanged photo is not detected again; null: always detect.</param>
    public static IFaceCrop? For(string? policy, string? input = null, DetectionCache? detections = null) => (policy ?? Auto) switch
    {
        Auto => new AlignedFaceCrop(Aligner.Value, keepCrops: true, detections),
        Detect => new AlignedFaceCrop(Aligner.Value, keepCrops: false, detections),
        Landmarks => new ShippedLandmarksCrop(LandmarkFiles.Load(input
            ?? throw new ArgumentException($"face alignment '{Landmarks}' reads the landmarks file at the top of the dataset's folder or archive, and none was given")),
            new AlignerOptions().TemplateScale),
        None => null,
        _ => throw new ArgumentException($"face alignment '{policy}' is not one of {string.Join(", ", FaceAlignments.All)}"),
    };

    /// <summary>
    /// How a query photo's face is found for a collection ingested under <paramref name="policy"/>: the same way, except that a
    /// query ships no landmarks, so a landmarks-aligned collection is queried by detection onto the same template.
    /// </summary>
    public static IFaceCrop? ForQuery(string? policy) => For(policy == Landmarks ? Auto : policy);
}

/// <summary>Ingest's <see cref="IFaceCrop"/> by detection and five-point alignment (<see cref="FacePolicy"/>); with a cache, a photo's faces are found once.</summary>
public sealed class AlignedFaceCrop(FaceAligner aligner, bool keepCrops, DetectionCache? detections = null) : IFaceCrop
{
    /// <summary>Decoded shorter side asked of a photo, in output sides: a face filling a third of it still has the output's pixels.</summary>
    private const int DecodeSides = 4;

    public int DecodeSide(int outSize) => DecodeSides * outSize;

    public unsafe string? Crop(in DecodedPhoto photo, int outSize, Span<byte> rgb)
    {
        if (keepCrops && AlignedCrop.IsCropSized(photo.Width, photo.Height))
        {
            if (photo.RowBytes != photo.Width * 4) throw new ArgumentException($"rows of {photo.RowBytes} bytes: a face crop is resized from tightly packed RGBA", nameof(photo));
            fixed (byte* pixels = photo.Rgba)
                ImageValidator.CentreSquare(new SKImageInfo(photo.Width, photo.Height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)pixels, outSize, rgb);
            return null;
        }
        var faces = detections is null ? aligner.Detect(photo.Rgba, photo.Width, photo.Height, photo.RowBytes) : detections.Faces(aligner, photo);
        return aligner.Align(photo.Rgba, photo.Width, photo.Height, photo.RowBytes, faces, outSize, rgb).Reason;
    }
}
