namespace Pipeline.Datasets;

/// <summary>
/// How a decoded photo becomes the square face image that is packed, in place of the centred square crop: face detection
/// and alignment, or landmarks shipped with the drop (Pipeline.Alignment), implement it. Implementations are called from
/// several threads at once.
/// </summary>
public interface IFaceCrop
{
    /// <summary>The shorter side a photo should keep when decoded (JPEG decodes straight to 1/2 .. 1/8): finding a face needs more pixels than the output.</summary>
    int DecodeSide(int outSize);

    /// <summary>Writes the photo's face into <paramref name="rgb"/> (outSize² x 3) and returns null, or returns the quarantine reason.</summary>
    string? Crop(in DecodedPhoto photo, int outSize, Span<byte> rgb);
}

/// <summary>
/// A photo as the validator decoded it: 8-bit RGBA rows <see cref="RowBytes"/> apart, upright (its EXIF orientation
/// applied), possibly decoded smaller than the file's <see cref="SourceWidth"/> x <see cref="SourceHeight"/> (upright too);
/// <see cref="Path"/> is its entry path in the dataset, and <see cref="ContentHash"/> the hash of its encoded bytes, when the caller knows them.
/// </summary>
public readonly ref struct DecodedPhoto(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, int sourceWidth, int sourceHeight, string? path,
    UInt128? contentHash = null)
{
    public ReadOnlySpan<byte> Rgba { get; } = rgba;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int RowBytes { get; } = rowBytes;
    public int SourceWidth { get; } = sourceWidth;
    public int SourceHeight { get; } = sourceHeight;
    public string? Path { get; } = path;

    /// <summary>The packer's content hash of the file (<see cref="ContentHashes"/>): what a cache of its faces is keyed by.</summary>
    public UInt128? ContentHash { get; } = contentHash;

    /// <summary>Decoded pixels per source pixel (1 unless JPEG decoded at 1/2 .. 1/8).</summary>
    public float Scale => Width / (float)SourceWidth;
}
