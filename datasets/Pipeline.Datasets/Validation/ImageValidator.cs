using System.Runtime.InteropServices;
using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// Turns encoded bytes into a square RGB image or a quarantine reason. The header is read first
/// (format, dimensions: bombs are refused before any pixel is decoded); decoding must then report
/// Success, which catches truncated and corrupt PNG and JPEG files that SKBitmap.Decode would
/// silently accept. Thread-safe: every call owns its codec and buffers.
/// </summary>
public sealed class ImageValidator(ValidationOptions? options = null)
{
    private const int JpegTailSearch = 1024;

    public ValidationOptions Options { get; } = options ?? ValidationOptions.Default;

    /// <summary>Bounds the pixels held by this validator's concurrent decodes (Options.MaxDecodeBytes).</summary>
    private readonly DecodeBudget _budget = new((options ?? ValidationOptions.Default).MaxDecodeBytes);

    public int OutputBytes => Options.ImageSize * Options.ImageSize * 3;

    public ValidationResult Validate(ReadOnlySpan<byte> data, string? path = null)
    {
        var rgb = new byte[OutputBytes];
        var reason = TryDecode(data, rgb, path);
        return reason is null ? ValidationResult.Ok(rgb) : new ValidationResult(null, reason);
    }

    /// <summary>Decodes into <paramref name="rgb"/> (ImageSize² x 3 bytes); returns null or the reason.</summary>
    /// <param name="path">The entry's path in its dataset, for a face crop that looks photos up by path (shipped landmarks).</param>
    /// <param name="contentHash">The bytes' <see cref="ContentHashes.Of"/>, for a face crop that caches what it found by content.</param>
    public unsafe string? TryDecode(ReadOnlySpan<byte> data, Span<byte> rgb, string? path = null, UInt128? contentHash = null)
    {
        if (rgb.Length != OutputBytes) throw new ArgumentException($"output needs {OutputBytes} bytes", nameof(rgb));
        if (data.IsEmpty) return QuarantineReasons.Format(QuarantineReasons.EmptyFile, "0 bytes");
        // Wrapped, not copied (an entry may be 32 MiB): the codec is disposed before the bytes are unpinned.
        fixed (byte* encoded = data)
        {
            using var skData = SKData.Create((IntPtr)encoded, data.Length, null);
            return Decode(data, skData, rgb, path, contentHash);
        }
    }

    private unsafe string? Decode(ReadOnlySpan<byte> data, SKData skData, Span<byte> rgb, string? path, UInt128? contentHash)
    {
        using var codec = SKCodec.Create(skData);
        if (codec is null)
            return HasImageSignature(data)
                ? QuarantineReasons.Format(QuarantineReasons.Corrupt, "image signature present but the header does not decode")
                : QuarantineReasons.Format(QuarantineReasons.NotAnImage, "no image decoder recognises its bytes");
        int w = codec.Info.Width, h = codec.Info.Height;
        // Also capped at what one RGBA buffer can address.
        if (w <= 0 || h <= 0 || (long)w * h > Math.Min(Options.MaxPixels, int.MaxValue / 4))
            return QuarantineReasons.Format(QuarantineReasons.TooManyPixels, $"header says {w}x{h}, over the {Options.MaxPixels} pixel limit");
        if (Math.Min(w, h) < Options.MinSize)
            return QuarantineReasons.Format(QuarantineReasons.TooSmall, $"{w}x{h}, shorter side under {Options.MinSize}");
        bool jpeg = codec.EncodedFormat == SKEncodedImageFormat.Jpeg;
        if (jpeg && !HasJpegEnd(data))
            return QuarantineReasons.Format(QuarantineReasons.Truncated, "JPEG ends without its EOI marker");

        var size = DecodeSize(codec, w, h);
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        // Up to MaxPixels x 4 bytes: taken from the budget and from native memory, freed the moment the image is
        // done, so concurrent decodes hold at most the budget and leave no large garbage for the GC to find late.
        using var lease = _budget.Take(info.BytesSize64 * (codec.EncodedOrigin == SKEncodedOrigin.TopLeft ? 1 : 2)); // turning upright copies
        byte* rgba = (byte*)NativeMemory.Alloc((nuint)info.BytesSize64);
        try
        {
            var result = codec.GetPixels(info, (IntPtr)rgba);
            switch (result)
            {
                case SKCodecResult.Success: break;
                case SKCodecResult.IncompleteInput:
                    return QuarantineReasons.Format(QuarantineReasons.Truncated, $"{codec.EncodedFormat} data ends before the last row");
                default:
                    return QuarantineReasons.Format(QuarantineReasons.Corrupt, $"{codec.EncodedFormat} decoder says {result}");
            }
            // Phone photos are stored sideways with an EXIF orientation; faces are found and cropped upright.
            if (codec.EncodedOrigin != SKEncodedOrigin.TopLeft)
            {
                var upright = ExifOrientation.Upright(rgba, info, codec.EncodedOrigin, out info);
                NativeMemory.Free(rgba);
                rgba = upright;
                if (ExifOrientation.SwapsAxes(codec.EncodedOrigin)) (w, h) = (h, w);
            }
            if (Options.FaceCrop is { } face)
                return face.Crop(new DecodedPhoto(new ReadOnlySpan<byte>(rgba, info.BytesSize), info.Width, info.Height, info.RowBytes, w, h, path, contentHash), Options.ImageSize, rgb);
            CentreSquare(info, (IntPtr)rgba, Options.ImageSize, rgb);
            return null;
        }
        finally
        {
            NativeMemory.Free(rgba);
        }
    }

    /// <summary>JPEG can decode straight to 1/2, 1/4, 1/8 size: take the smallest still >= the output (or what the face crop asks).</summary>
    private SKSizeI DecodeSize(SKCodec codec, int w, int h)
    {
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return new SKSizeI(w, h);
        var best = new SKSizeI(w, h);
        int side = Options.FaceCrop?.DecodeSide(Options.ImageSize) ?? Options.ImageSize;
        foreach (var scale in new[] { 0.5f, 0.25f, 0.125f })
        {
            var s = codec.GetScaledDimensions(scale);
            if (Math.Min(s.Width, s.Height) >= side) best = s;
        }
        return best;
    }

    private static bool HasImageSignature(ReadOnlySpan<byte> d) =>
        d.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) || d.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47])
        || d.StartsWith("GIF8"u8) || d.StartsWith("BM"u8) || (d.StartsWith("RIFF"u8) && d.Length >= 12 && d[8..12].SequenceEqual("WEBP"u8));

    private static bool HasJpegEnd(ReadOnlySpan<byte> data)
    {
        var tail = data[Math.Max(2, data.Length - JpegTailSearch)..];
        for (int i = tail.Length - 2; i >= 0; i--)
            if (tail[i] == 0xFF && tail[i + 1] == 0xD9) return true;
        return false;
    }

    /// <summary>The centred square of decoded RGBA pixels as <paramref name="n"/> x n RGB: copied as it is when it already is that size.</summary>
    public static unsafe void CentreSquare(SKImageInfo info, IntPtr rgba, int n, Span<byte> rgb)
    {
        if (info.Width == n && info.Height == n) RgbaToRgb(new ReadOnlySpan<byte>((void*)rgba, info.BytesSize), rgb);
        else CropResize(info, rgba, n, rgb);
    }

    /// <summary>Centred square crop of decoded RGBA pixels, resized to <paramref name="n"/> x n RGB: ingest's geometry and sampling.</summary>
    public static unsafe void CropResize(SKImageInfo info, IntPtr rgba, int n, Span<byte> rgb)
    {
        int side = Math.Min(info.Width, info.Height);
        var src = SKRect.Create((info.Width - side) / 2f, (info.Height - side) / 2f, side, side);
        var outInfo = new SKImageInfo(n, n, SKColorType.Rgba8888, SKAlphaType.Premul);
        var outRgba = new byte[outInfo.BytesSize];
        fixed (byte* po = outRgba)
        {
            using var image = SKImage.FromPixels(info, rgba, info.RowBytes);
            using var surface = SKSurface.Create(outInfo, (IntPtr)po, outInfo.RowBytes);
            var sampling = side >= 2 * n
                ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
                : new SKSamplingOptions(SKCubicResampler.Mitchell);
            using var paint = new SKPaint();
            surface.Canvas.DrawImage(image, src, SKRect.Create(0, 0, n, n), sampling, paint);
            surface.Flush();
        }
        RgbaToRgb(outRgba, rgb);
    }

    private static void RgbaToRgb(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
    }
}
