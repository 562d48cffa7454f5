using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// The camera side of one photo: light direction and strength, exposure, contrast, white balance,
/// saturation or black-and-white, defocus, low resolution, sensor noise and JPEG quality.
/// Applied the same way to faces and junk, so compression or noise never tells them apart.
/// </summary>
internal sealed class PhotoLook
{
    public float LightAngle, LightStrength, Exposure, Contrast, Saturation, TintR, TintG, TintB;
    public float Blur, LowRes, Noise;
    public bool Grey;
    public int JpegQuality;

    public static PhotoLook Sample(SeededRandom r, float d)
    {
        float p(double baseP) => (float)Math.Min(1, baseP * d);
        return new PhotoLook
        {
            LightAngle = r.Uniform(0, 2 * MathF.PI),
            LightStrength = r.Uniform(0, Math.Min(0.75f, 0.45f * d)),
            Exposure = MathF.Pow(2, r.Normal(0.3f * d)),
            Contrast = 1 + r.Normal(0.15f * d),
            Saturation = Math.Max(0, 1 + r.Normal(0.22f * d)),
            TintR = 1 + r.Normal(0.07f * d),
            TintG = 1 + r.Normal(0.04f * d),
            TintB = 1 + r.Normal(0.08f * d),
            Grey = r.Chance(p(0.05)),
            Blur = r.Chance(p(0.45)) ? r.Uniform(0.3f, 1.5f * d) : 0,
            LowRes = r.Chance(p(0.12)) ? r.Uniform(0.3f, 0.6f) : 1,
            Noise = r.Uniform(0, 6 * d),
            JpegQuality = (int)r.Uniform(Math.Clamp(95 - 55 * d, 15, 95), 96),
        };
    }

    /// <summary>Light falling from one side: a multiply gradient over the whole frame.</summary>
    public void DrawLighting(SKCanvas canvas, int size)
    {
        if (LightStrength <= 0.01f) return;
        float h = size / 2f;
        var lit = new SKPoint(h + MathF.Cos(LightAngle) * h, h + MathF.Sin(LightAngle) * h);
        var dark = new SKPoint(h - MathF.Cos(LightAngle) * h, h - MathF.Sin(LightAngle) * h);
        byte shade = (byte)(255 * (1 - LightStrength));
        using var shader = SKShader.CreateLinearGradient(lit, dark, [SKColors.White, new SKColor(shade, shade, shade)], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader, BlendMode = SKBlendMode.Multiply };
        canvas.DrawRect(0, 0, size, size, paint);
    }

    /// <summary>Optics and sensor: blur, low resolution, colour, noise; then JPEG.</summary>
    public unsafe byte[] Finish(SKSurface surface, int size, SeededRandom r)
    {
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (Blur > 0 || LowRes < 1)
        {
            using var snapshot = surface.Snapshot();
            var canvas = surface.Canvas;
            if (LowRes < 1)
            {
                int small = Math.Max(8, (int)(size * LowRes));
                using var tiny = SKSurface.Create(new SKImageInfo(small, small, SKColorType.Rgba8888, SKAlphaType.Premul));
                using (var down = new SKPaint())
                    tiny.Canvas.DrawImage(snapshot, SKRect.Create(size, size), SKRect.Create(small, small), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), down);
                using var tinyImage = tiny.Snapshot();
                using var up = new SKPaint();
                canvas.DrawImage(tinyImage, SKRect.Create(small, small), SKRect.Create(size, size), new SKSamplingOptions(SKFilterMode.Linear), up);
            }
            if (Blur > 0)
            {
                using var current = surface.Snapshot();
                using var blur = new SKPaint { ImageFilter = SKImageFilter.CreateBlur(Blur, Blur, SKShaderTileMode.Clamp) };
                canvas.DrawImage(current, 0, 0, blur);
            }
        }
        var rgba = new byte[info.BytesSize];
        fixed (byte* p = rgba) surface.ReadPixels(info, (IntPtr)p, info.RowBytes, 0, 0);
        ApplyColourAndNoise(rgba, r);
        fixed (byte* p = rgba)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)p, info.RowBytes);
            using var jpeg = pixmap.Encode(SKEncodedImageFormat.Jpeg, JpegQuality) ?? throw new InvalidOperationException("JPEG encoder failed");
            return jpeg.ToArray();
        }
    }

    private void ApplyColourAndNoise(byte[] rgba, SeededRandom r)
    {
        float gainR = Exposure * TintR, gainG = Exposure * TintG, gainB = Exposure * TintB;
        for (int i = 0; i < rgba.Length; i += 4)
        {
            float cr = rgba[i], cg = rgba[i + 1], cb = rgba[i + 2];
            float y = 0.299f * cr + 0.587f * cg + 0.114f * cb;
            float sat = Grey ? 0 : Saturation;
            cr = y + (cr - y) * sat; cg = y + (cg - y) * sat; cb = y + (cb - y) * sat;
            cr = (cr * gainR - 128) * Contrast + 128;
            cg = (cg * gainG - 128) * Contrast + 128;
            cb = (cb * gainB - 128) * Contrast + 128;
            if (Noise > 0)
            {
                // Four cheap unit-variance draws from one 64-bit number: one shared (luma), three per channel.
                ulong bits = r.NextULong(), bits2 = r.NextULong();
                float shared = Unit(bits), nr = Unit(bits >> 16), ng = Unit(bits >> 32), nb = Unit(bits2);
                cr += Noise * (0.7f * shared + 0.5f * nr);
                cg += Noise * (0.7f * shared + 0.5f * ng);
                cb += Noise * (0.7f * shared + 0.5f * nb);
            }
            if (Grey) { float g = 0.299f * cr + 0.587f * cg + 0.114f * cb; cr = cg = cb = g; }
            rgba[i] = Clamp(cr); rgba[i + 1] = Clamp(cg); rgba[i + 2] = Clamp(cb); rgba[i + 3] = 255;
        }
    }

    /// <summary>Roughly normal, unit variance: sum of four 4-bit uniforms, centred and scaled.</summary>
    private static float Unit(ulong bits)
    {
        uint a = (uint)(bits & 0xF), b = (uint)((bits >> 4) & 0xF), c = (uint)((bits >> 8) & 0xF), d = (uint)((bits >> 12) & 0xF);
        return ((a + b + c + d) - 30f) / 9.22f;
    }

    private static byte Clamp(float v) => (byte)Math.Clamp((int)(v + 0.5f), 0, 255);
}
