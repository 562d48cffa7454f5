using System.Runtime.InteropServices;
using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// A photo's EXIF orientation (TIFF tag 274) applied to its decoded pixels: the codec hands rows as stored, and a phone
/// photo is stored sideways with the tag saying how to show it. Each orientation maps an upright pixel (x, y) to the
/// stored pixel it shows, as the EXIF 2.32 specification defines the tag's values.
/// </summary>
public static class ExifOrientation
{
    /// <summary>Orientations 5-8 show the stored image turned a quarter: the upright width is the stored height.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) => origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
        or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>The upright copy of 4-byte pixels, in a new native buffer the caller frees with NativeMemory.Free; its layout in <paramref name="upright"/>.</summary>
    public static unsafe byte* Upright(byte* stored, SKImageInfo info, SKEncodedOrigin origin, out SKImageInfo upright)
    {
        if (info.BytesPerPixel != 4) throw new ArgumentException($"{info.ColorType}: expected 4-byte pixels", nameof(info));
        int sw = info.Width, sh = info.Height;
        upright = SwapsAxes(origin) ? info.WithSize(sh, sw) : info;
        var dst = (byte*)NativeMemory.Alloc((nuint)upright.BytesSize64);
        uint* from = (uint*)stored, to = (uint*)dst;
        int srcStride = info.RowBytes / 4, w = upright.Width, h = upright.Height, dstStride = upright.RowBytes / 4;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var (sx, sy) = Stored(origin, x, y, sw, sh);
            to[y * dstStride + x] = from[sy * srcStride + sx];
        }
        return dst;
    }

    /// <summary>The stored pixel that upright pixel (x, y) shows, for a stored image <paramref name="sw"/> x <paramref name="sh"/>.</summary>
    public static (int X, int Y) Stored(SKEncodedOrigin origin, int x, int y, int sw, int sh) => origin switch
    {
        SKEncodedOrigin.TopRight => (sw - 1 - x, y),              // 2: mirrored left-right
        SKEncodedOrigin.BottomRight => (sw - 1 - x, sh - 1 - y),  // 3: turned half round
        SKEncodedOrigin.BottomLeft => (x, sh - 1 - y),            // 4: mirrored top-bottom
        SKEncodedOrigin.LeftTop => (y, x),                        // 5: stored row 0 is the left column, column 0 the top row
        SKEncodedOrigin.RightTop => (y, sh - 1 - x),              // 6: row 0 is the right column, column 0 the top row
        SKEncodedOrigin.RightBottom => (sw - 1 - y, sh - 1 - x),  // 7: row 0 is the right column, column 0 the bottom row
        SKEncodedOrigin.LeftBottom => (sw - 1 - y, x),            // 8: row 0 is the left column, column 0 the bottom row
        _ => (x, y),
    };
}
