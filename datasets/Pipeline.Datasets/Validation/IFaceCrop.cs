namespace Pipeline.Datasets;

/// <summary>
/// How a decoded photo becomes the square face image that is packed, in place of the centred square crop: face detection
/// and alignment (Pipeline.Alignment) implement it. Implementations are called from several threads at once.
/// </summary>
public interface IFaceCrop
{
    /// <summary>The shorter side a photo should keep when decoded (JPEG decodes straight to 1/2 .. 1/8): finding a face needs more pixels than the output.</summary>
    int DecodeSide(int outSize);

    /// <summary>Writes the face of 8-bit RGBA pixels into <paramref name="rgb"/> (outSize² x 3) and returns null, or returns the quarantine reason.</summary>
    string? Crop(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, int outSize, Span<byte> rgb);
}
