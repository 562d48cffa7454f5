namespace Pipeline.Alignment;

/// <summary>
/// Warps interleaved 8-bit pixels (RGBA or RGB) into an N x N RGB crop: every output pixel samples the
/// source at the inverse-mapped point with bilinear weights, and taps outside the image read black
/// (cv2.warpAffine with INTER_LINEAR and its default constant border). Thread-safe, allocation-free.
/// </summary>
public static class FaceWarp
{
    /// <summary>The crop that puts <paramref name="landmarks"/> on the template for <paramref name="outSize"/>.</summary>
    public static SimilarityTransform ToTemplate(ReadOnlySpan<PointF> landmarks, int outSize) =>
        SimilarityTransform.Estimate(landmarks, FaceTemplate.For(outSize));

    /// <param name="toCrop">Source pixel coordinates to crop coordinates (the forward transform).</param>
    /// <param name="channels">4 for RGBA, 3 for RGB; the first three are taken as R, G, B.</param>
    public static void Warp(ReadOnlySpan<byte> src, int width, int height, int rowBytes, int channels,
        SimilarityTransform toCrop, int outSize, Span<byte> rgbOut)
    {
        if (channels is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "need 3 (RGB) or 4 (RGBA) channels");
        if (width < 1 || height < 1 || rowBytes < width * channels || src.Length < (long)rowBytes * (height - 1) + width * channels)
            throw new ArgumentException($"{width}x{height} pixels with {rowBytes} bytes a row do not fit in {src.Length} bytes", nameof(src));
        if (rgbOut.Length != outSize * outSize * 3) throw new ArgumentException($"a {outSize}x{outSize} RGB crop needs {outSize * outSize * 3} bytes", nameof(rgbOut));

        var inv = toCrop.Inverse();
        float a = (float)inv.A, b = (float)inv.B;
        int o = 0;
        for (int y = 0; y < outSize; y++)
        {
            // Source point of (0, y); each step right adds (a, b).
            float fx = (float)(-inv.B * y + inv.Tx), fy = (float)(inv.A * y + inv.Ty);
            for (int x = 0; x < outSize; x++, fx += a, fy += b, o += 3)
            {
                int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
                float wx = fx - x0, wy = fy - y0;
                if ((uint)x0 < (uint)(width - 1) && (uint)y0 < (uint)(height - 1))
                {
                    int p = y0 * rowBytes + x0 * channels, q = p + rowBytes;
                    for (int c = 0; c < 3; c++)
                    {
                        float top = src[p + c] + wx * (src[p + channels + c] - src[p + c]);
                        float bottom = src[q + c] + wx * (src[q + channels + c] - src[q + c]);
                        rgbOut[o + c] = (byte)(top + wy * (bottom - top) + 0.5f);
                    }
                }
                else BorderPixel(src, width, height, rowBytes, channels, x0, y0, wx, wy, rgbOut.Slice(o, 3));
            }
        }
    }

    /// <summary>A pixel whose taps may fall outside the image: each outside tap reads zero.</summary>
    private static void BorderPixel(ReadOnlySpan<byte> src, int width, int height, int rowBytes, int channels,
        int x0, int y0, float wx, float wy, Span<byte> rgb)
    {
        Span<float> sum = stackalloc float[3];
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int x = x0 + dx, y = y0 + dy;
                if ((uint)x >= (uint)width || (uint)y >= (uint)height) continue;
                float w = (dx == 0 ? 1 - wx : wx) * (dy == 0 ? 1 - wy : wy);
                int p = y * rowBytes + x * channels;
                for (int c = 0; c < 3; c++) sum[c] += w * src[p + c];
            }
        for (int c = 0; c < 3; c++) rgb[c] = (byte)(sum[c] + 0.5f);
    }
}
