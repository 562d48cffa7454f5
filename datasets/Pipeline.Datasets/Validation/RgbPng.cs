using System.Runtime.InteropServices;
using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>RGB bytes (row-major, 3 per pixel, as in <see cref="ImageSet"/>) encoded as a PNG.</summary>
public static class RgbPng
{
    public static byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{rgb.Length} bytes are not {width}x{height} RGB");
        var rgba = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
        {
            rgba[p * 4] = rgb[p * 3];
            rgba[p * 4 + 1] = rgb[p * 3 + 1];
            rgba[p * 4 + 2] = rgb[p * 3 + 2];
            rgba[p * 4 + 3] = 255;
        }
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
