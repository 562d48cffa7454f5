using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>Non-face images filed as faces: textures, landscapes, text-like pages, shapes, objects.</summary>
internal static class JunkRenderer
{
    public static void Draw(SKCanvas c, SeededRandom r)
    {
        switch (r.Next(5))
        {
            case 0: Texture(c, r); break;
            case 1: Landscape(c, r); break;
            case 2: Page(c, r); break;
            case 3: Shapes(c, r); break;
            default: ObjectOnTable(c, r); break;
        }
    }

    private static SKColor Any(SeededRandom r) => new((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256));

    private static SKPaint Fill(SKColor color) => new() { IsAntialias = true, Color = color };

    private static void Texture(SKCanvas c, SeededRandom r)
    {
        c.Clear(Any(r));
        if (r.Chance(0.5))
        {
            using var noise = SKShader.CreatePerlinNoiseFractalNoise(r.Uniform(0.02f, 0.3f), r.Uniform(0.02f, 0.3f), 1 + r.Next(4), r.Uniform(0, 1000));
            using var paint = new SKPaint { Shader = noise, BlendMode = r.Chance(0.5) ? SKBlendMode.Overlay : SKBlendMode.Multiply };
            c.DrawRect(0, 0, 112, 112, paint);
            return;
        }
        using var stripe = Fill(Any(r));
        float period = r.Uniform(4, 24), width = period * r.Uniform(0.2f, 0.7f);
        c.Save();
        c.RotateDegrees(r.Uniform(0, 180), 56, 56);
        bool checker = r.Chance(0.4);
        for (float x = -120; x < 240; x += period)
            if (checker)
                for (float y = -120; y < 240; y += period * 2)
                    c.DrawRect(x, y + ((int)(x / period) % 2) * period, width, period, stripe);
            else c.DrawRect(x, -120, width, 360, stripe);
        c.Restore();
    }

    private static void Landscape(SKCanvas c, SeededRandom r)
    {
        float horizon = r.Uniform(40, 80);
        using var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, horizon),
            [FaceTraits.Jitter(r, new SKColor(70, 120, 200), 40), FaceTraits.Jitter(r, new SKColor(200, 220, 240), 30)], SKShaderTileMode.Clamp);
        using (var skyPaint = new SKPaint { Shader = sky }) c.DrawRect(0, 0, 112, 112, skyPaint);
        if (r.Chance(0.6))
        {
            using var sun = Fill(FaceTraits.Jitter(r, new SKColor(255, 230, 150), 20));
            c.DrawCircle(r.Uniform(10, 100), r.Uniform(8, horizon - 10), r.Uniform(4, 12), sun);
        }
        for (int layer = 0; layer < 1 + r.Next(3); layer++)
        {
            using var ridge = new SKPath();
            ridge.MoveTo(0, 112);
            for (float x = 0; x <= 112; x += r.Uniform(6, 20)) ridge.LineTo(x, horizon - r.Uniform(0, 35) + layer * 8);
            ridge.LineTo(112, 112);
            ridge.Close();
            using var paint = Fill(FaceTraits.Jitter(r, new SKColor(80, 90, 100), 40));
            c.DrawPath(ridge, paint);
        }
        using var ground = Fill(FaceTraits.Jitter(r, r.Chance(0.5) ? new SKColor(70, 120, 50) : new SKColor(190, 170, 120), 30));
        c.DrawRect(0, horizon + 10, 112, 112, ground);
    }

    /// <summary>Rows of glyph-like strokes on paper (no fonts needed, so rendering is identical everywhere).</summary>
    private static void Page(SKCanvas c, SeededRandom r)
    {
        c.Clear(FaceTraits.Jitter(r, new SKColor(235, 230, 215), 20));
        using var ink = new SKPaint { IsAntialias = true, Color = FaceTraits.Jitter(r, new SKColor(30, 30, 40), 30), Style = SKPaintStyle.Stroke, StrokeWidth = r.Uniform(0.8f, 1.8f), StrokeCap = SKStrokeCap.Round };
        float glyph = r.Uniform(5, 11), line = glyph * r.Uniform(1.3f, 1.8f);
        c.Save();
        c.RotateDegrees(r.Normal(8), 56, 56);
        for (float y = 4; y < 112; y += line)
            for (float x = 4; x < 106; x += glyph * 0.9f)
            {
                if (r.Chance(0.15)) continue;
                for (int k = 0; k < 2 + r.Next(3); k++)
                    c.DrawLine(x + r.Uniform(0, glyph * 0.7f), y + r.Uniform(0, glyph), x + r.Uniform(0, glyph * 0.7f), y + r.Uniform(0, glyph), ink);
            }
        c.Restore();
    }

    private static void Shapes(SKCanvas c, SeededRandom r)
    {
        c.Clear(Any(r));
        for (int i = 0; i < 5 + r.Next(12); i++)
        {
            using var paint = Fill(Any(r).WithAlpha((byte)(150 + r.Next(106))));
            float x = r.Uniform(-10, 112), y = r.Uniform(-10, 112), s = r.Uniform(6, 45);
            switch (r.Next(3))
            {
                case 0: c.DrawRect(x, y, s, s * r.Uniform(0.3f, 2), paint); break;
                case 1: c.DrawCircle(x, y, s / 2, paint); break;
                default:
                    using (var tri = new SKPath())
                    {
                        tri.MoveTo(x, y); tri.LineTo(x + s, y + r.Uniform(-s, s)); tri.LineTo(x + r.Uniform(-s, s), y + s); tri.Close();
                        c.DrawPath(tri, paint);
                    }
                    break;
            }
        }
    }

    private static void ObjectOnTable(SKCanvas c, SeededRandom r)
    {
        c.Clear(Any(r));
        using var table = Fill(FaceTraits.Jitter(r, new SKColor(140, 100, 60), 50));
        float top = r.Uniform(60, 90);
        c.DrawRect(0, top, 112, 112, table);
        var centre = new SKPoint(r.Uniform(30, 82), top - r.Uniform(5, 25));
        float rx = r.Uniform(12, 35), ry = r.Uniform(10, 35);
        var color = Any(r);
        using var shade = SKShader.CreateRadialGradient(new SKPoint(centre.X - rx * 0.3f, centre.Y - ry * 0.3f), Math.Max(rx, ry) * 1.3f,
            [FaceTraits.Shade(color, 1.3f), color, FaceTraits.Shade(color, 0.5f)], [0, 0.5f, 1], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { IsAntialias = true, Shader = shade };
        if (r.Chance(0.5)) c.DrawOval(centre, new SKSize(rx, ry), paint);
        else c.DrawRoundRect(SKRect.Create(centre.X - rx, centre.Y - ry, 2 * rx, 2 * ry), 4, 4, paint);
    }
}
