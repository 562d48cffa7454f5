using SkiaSharp;

namespace Pipeline.Alignment;

/// <summary>Decoded 8-bit RGBA pixels (alpha ignored), <see cref="RowBytes"/> apart.</summary>
public sealed record RgbaImage(ReadOnlyMemory<byte> Pixels, int Width, int Height, int RowBytes)
{
    public static RgbaImage FromBitmap(SKBitmap bitmap)
    {
        if (bitmap.ColorType != SKColorType.Rgba8888)
        {
            using var rgba = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
            if (!bitmap.CopyTo(rgba, SKColorType.Rgba8888)) throw new ArgumentException($"a {bitmap.ColorType} bitmap cannot be converted to RGBA");
            return FromBitmap(rgba);
        }
        return new RgbaImage(bitmap.Bytes, bitmap.Width, bitmap.Height, bitmap.RowBytes);
    }

    /// <summary>Tightly packed RGB pixels (a packed face, say) as opaque RGBA.</summary>
    public static RgbaImage FromRgb(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{width}x{height} RGB needs {width * height * 3} bytes, got {rgb.Length}", nameof(rgb));
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        return new RgbaImage(rgba, width, height, width * 4);
    }

    /// <summary>Decodes a JPEG, PNG or other encoded image; the error names <paramref name="name"/>.</summary>
    public static RgbaImage Decode(ReadOnlySpan<byte> encoded, string name)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"{name}: not an image any decoder recognises");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var pixels = new byte[info.BytesSize];
        var result = codec.GetPixels(info, pixels);
        if (result != SKCodecResult.Success) throw new InvalidDataException($"{name}: {codec.EncodedFormat} decoder says {result}");
        return new RgbaImage(pixels, info.Width, info.Height, info.RowBytes);
    }
}
