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
/// <item><c>none</c>: the centred square crop, no detection (faces already cropped some other way).</item>
/// </list>
/// Aligned means the dominant face's five landmarks mapped onto insightface's 112x112 template (scaled to the packed
/// size); photos without one are quarantined as no-face, low-detection-score or multiple-faces.
/// </summary>
public static class FacePolicy
{
    public const string Auto = FaceAlignments.Auto, Detect = FaceAlignments.Detect, None = FaceAlignments.None;

    private static readonly Lazy<FaceAligner> Aligner = new(() => new FaceAligner());

    /// <summary>The face crop for a policy name (null: the centred square crop); an unknown name throws naming the known ones.</summary>
    public static IFaceCrop? For(string? policy) => (policy ?? Auto) switch
    {
        Auto => new AlignedFaceCrop(Aligner.Value, keepCrops: true),
        Detect => new AlignedFaceCrop(Aligner.Value, keepCrops: false),
        None => null,
        _ => throw new ArgumentException($"face alignment '{policy}' is not one of {string.Join(", ", FaceAlignments.All)}"),
    };
}

/// <summary>Ingest's <see cref="IFaceCrop"/> by detection and five-point alignment (<see cref="FacePolicy"/>).</summary>
public sealed class AlignedFaceCrop(FaceAligner aligner, bool keepCrops) : IFaceCrop
{
    /// <summary>Decoded shorter side asked of a photo, in output sides: a face filling a third of it still has the output's pixels.</summary>
    private const int DecodeSides = 4;

    public int DecodeSide(int outSize) => DecodeSides * outSize;

    public unsafe string? Crop(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, int outSize, Span<byte> rgb)
    {
        if (keepCrops && AlignedCrop.IsCropSized(width, height))
        {
            if (rowBytes != width * 4) throw new ArgumentException($"rows of {rowBytes} bytes: a face crop is resized from tightly packed RGBA", nameof(rowBytes));
            fixed (byte* pixels = rgba)
                ImageValidator.CentreSquare(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)pixels, outSize, rgb);
            return null;
        }
        return aligner.Align(rgba, width, height, rowBytes, outSize, rgb).Reason;
    }
}
