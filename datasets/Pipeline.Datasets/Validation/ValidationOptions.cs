namespace Pipeline.Datasets;

/// <summary>What a usable face image is, and the square size it is normalised to.</summary>
public sealed record ValidationOptions
{
    /// <summary>Output side in pixels: the centred square crop is resized to ImageSize x ImageSize.</summary>
    public int ImageSize { get; init; } = 112;

    /// <summary>Images whose shorter side is below this are refused as too small.</summary>
    public int MinSize { get; init; } = 32;

    /// <summary>Width x height allowed by the header; above it the image is refused before decoding.</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Decoded pixel bytes one validator's concurrent decodes may hold at once; a larger image decodes alone.</summary>
    public long MaxDecodeBytes { get; init; } = 256L << 20;

    /// <summary>How the face is cut out of the photo; null: the centred square crop.</summary>
    public IFaceCrop? FaceCrop { get; init; }

    public static ValidationOptions Default { get; } = new();
}
