using System.IO.MemoryMappedFiles;
using Pipeline.Datasets;
using SkiaSharp;

namespace Pipeline.Indexer;

/// <summary>
/// The budgets of an image posted to the open search endpoint. The body is capped before it is read; the header's
/// dimensions are checked before any pixel is decoded. A baseline JPEG decodes at 1/2..1/8 scale (libjpeg's DCT
/// scaling), so up to <see cref="MaxPixels"/> it costs a few MB; any other image decodes at full size, so it may
/// have at most <see cref="MaxFullDecodePixels"/>, and at most <see cref="FullDecodesAtOnce"/> such decodes run at once.
/// (SkiaSharp's PNG codec cannot decode row by row: StartScanlineDecode answers Unimplemented.)
/// </summary>
public static class SearchUpload
{
    /// <summary>Largest request body POST /api/search reads (multipart image or JSON vector).</summary>
    public const long MaxBodyBytes = 8L << 20;

    /// <summary>Width x height allowed by the header of any upload; above it the image is refused undecoded.</summary>
    public const long MaxPixels = 25_000_000;

    /// <summary>Pixels an upload may have when it decodes at full size (not JPEG): 32 MB of RGBA.</summary>
    public const long MaxFullDecodePixels = 8_000_000;

    /// <summary>Full-size decodes that run at once; the others wait their turn.</summary>
    public const int FullDecodesAtOnce = 2;

    /// <summary>A face crop under this side is refused, as at ingest.</summary>
    public const int MinSide = 16;

    private static readonly SemaphoreSlim FullDecodes = new(FullDecodesAtOnce, FullDecodesAtOnce);

    /// <summary>
    /// The upload as the model's input, decoded exactly as ingest decodes (<paramref name="size"/>² RGB: the face as
    /// <paramref name="face"/> finds it, the centred square without one); or a <see cref="SearchInputException"/> naming why not.
    /// </summary>
    public static async Task<byte[]> DecodeAsync(byte[] data, int size, CancellationToken ct, IFaceCrop? face = null)
    {
        bool full = CheckHeader(data);
        if (!full) return Decode(data, size, face);
        await FullDecodes.WaitAsync(ct);
        try { return DecodeWhole(data, size, face) ?? Decode(data, size, face); }
        finally { FullDecodes.Release(); }
    }

    /// <summary>Refuses a header over budget; true when the image will be decoded at full size (worth a turn at the gate).</summary>
    public static bool CheckHeader(byte[] data)
    {
        if (data.Length == 0) return false; // the decoder names it
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData);
        if (codec is null) return false;
        long w = codec.Info.Width, h = codec.Info.Height, pixels = w * h;
        var format = codec.EncodedFormat;
        if (w <= 0 || h <= 0 || pixels > MaxPixels)
            throw Refused($"header says {w}x{h} ({pixels:N0} pixels), over the {MaxPixels:N0}-pixel limit of a search upload");
        if (format == SKEncodedImageFormat.Jpeg && !IsProgressiveJpeg(data)) return false;
        var what = format == SKEncodedImageFormat.Jpeg ? "progressive JPEG" : format.ToString().ToUpperInvariant();
        if (pixels > MaxFullDecodePixels)
            throw Refused($"{w}x{h} {what} ({pixels:N0} pixels) decodes at full size, over the {MaxFullDecodePixels:N0} pixels a search decodes whole"
                + $" (a baseline JPEG decodes downscaled, up to {MaxPixels:N0})");
        return true;
    }

    /// <summary>
    /// A progressive JPEG's decoder holds every DCT coefficient of the image (about 3 bytes a pixel) whatever the
    /// output scale, so it counts as a full-size decode. Walks the markers to the frame header (SOF2/6/10/14).
    /// </summary>
    public static bool IsProgressiveJpeg(ReadOnlySpan<byte> data)
    {
        for (int i = 2; i + 4 <= data.Length && data[i] == 0xFF;)
        {
            byte marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) return marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
            i += 2 + (data[i + 2] << 8 | data[i + 3]);
        }
        return false;
    }

    /// <summary>
    /// Ingest's decode of a non-JPEG image (whole, then the centred square resized), with the full-size pixels in
    /// memory mapped for the call and unmapped on return: a managed array of that size would stay until a full GC,
    /// so two decodes at a time would not bound the memory. Null when ingest's own decoder should answer (not an image, too small, JPEG).
    /// </summary>
    private static unsafe byte[]? DecodeWhole(byte[] data, int size, IFaceCrop? face)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData);
        if (codec is null || codec.EncodedFormat == SKEncodedImageFormat.Jpeg || Math.Min(codec.Info.Width, codec.Info.Height) < MinSide) return null;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        // Mapped, not malloc'ed: glibc keeps a freed 32 MB block in its arena (its mmap threshold grows to 32 MB),
        // an unmapped one is gone from the process at once.
        using var map = MemoryMappedFile.CreateNew(null, info.BytesSize64);
        using var view = map.CreateViewAccessor();
        byte* pixels = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pixels);
        try
        {
            switch (codec.GetPixels(info, (IntPtr)pixels))
            {
                case SKCodecResult.Success: break;
                case SKCodecResult.IncompleteInput:
                    throw new SearchInputException($"image: {QuarantineReasons.Format(QuarantineReasons.Truncated, $"{codec.EncodedFormat} data ends before the last row")}");
                case var result:
                    throw new SearchInputException($"image: {QuarantineReasons.Format(QuarantineReasons.Corrupt, $"{codec.EncodedFormat} decoder says {result}")}");
            }
            if (face is null) return CropResize(info, (IntPtr)pixels, size);
            var rgb = new byte[size * size * 3];
            var photo = new DecodedPhoto(new ReadOnlySpan<byte>(pixels, info.BytesSize), info.Width, info.Height, info.RowBytes, info.Width, info.Height, null);
            return face.Crop(photo, size, rgb) is { } reason ? throw new SearchInputException($"image: {reason}") : rgb;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Centred square crop resized to the output side: ingest's own (ImageValidator.CropResize).</summary>
    private static byte[] CropResize(SKImageInfo info, IntPtr pixels, int n)
    {
        var rgb = new byte[n * n * 3];
        ImageValidator.CropResize(info, pixels, n, rgb);
        return rgb;
    }

    private static byte[] Decode(byte[] data, int size, IFaceCrop? face)
    {
        var decoded = new ImageValidator(new ValidationOptions { ImageSize = size, MinSize = MinSide, MaxPixels = MaxPixels, FaceCrop = face }).Validate(data);
        return decoded.Pixels ?? throw new SearchInputException($"image: {decoded.Reason}");
    }

    private static SearchInputException Refused(string detail) => new($"image: {QuarantineReasons.Format(QuarantineReasons.TooManyPixels, detail)}");
}
