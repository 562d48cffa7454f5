using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// Draws one photo of a person: a simple 3-D-ish head (features move with yaw and pitch by their
/// depth), expression, hair, marks, accessories and occluders, in face-local units on a canvas
/// already placed at the crop centre. Pure function of (traits, shot).
/// </summary>
internal sealed class FaceRenderer(SKCanvas canvas, FaceTraits t, FaceShot s)
{
    private readonly float _radius = t.FaceHalfWidth * 1.05f;
    private readonly float _sinYaw = MathF.Sin(s.Yaw);

    public void Draw()
    {
        canvas.Save();
        canvas.RotateDegrees(s.Roll);
        canvas.Scale(s.Scale);
        if (t.HairStyle == HairStyle.Long) BackHair();
        Shoulders();
        Ears();
        Face();
        Marks();
        Eyes();
        Brows();
        Nose();
        Mouth();
        FacialHairLayer();
        FrontHair();
        if (t.Glasses || s.ExtraGlasses) Glasses(dark: false);
        if (t.Earrings) Earrings();
        OccluderLayer();
        canvas.Restore();
    }

    /// <summary>Face-local point to canvas: a cylinder head turned by yaw, tipped by pitch; z = protrusion.</summary>
    private SKPoint P(float x, float y, float z = 0)
    {
        float phi = MathF.Asin(Math.Clamp(x / _radius, -1f, 1f));
        float xp = _radius * MathF.Sin(Math.Clamp(phi + s.Yaw, -MathF.PI / 2, MathF.PI / 2)) + z * _sinYaw + t.Asymmetry * (y / 60f);
        float depth = z + _radius * MathF.Cos(phi) * 0.35f;
        float yp = y * (1 - 0.1f * MathF.Abs(s.Pitch)) + s.Pitch * depth * 0.5f;
        return new SKPoint(xp, yp);
    }

    private static SKPaint Fill(SKColor c) => new() { IsAntialias = true, Color = c, Style = SKPaintStyle.Fill };

    private static SKPaint Stroke(SKColor c, float width) => new()
    {
        IsAntialias = true, Color = c, Style = SKPaintStyle.Stroke, StrokeWidth = width, StrokeCap = SKStrokeCap.Round,
    };

    private void Shoulders()
    {
        using var neck = Fill(FaceTraits.Shade(t.Skin, 0.78f));
        using var neckPath = Spline.Closed([P(-t.JawHalfWidth * 0.7f, t.ChinY - 18), P(t.JawHalfWidth * 0.7f, t.ChinY - 18), P(t.JawHalfWidth * 0.75f, 75), P(-t.JawHalfWidth * 0.75f, 75)], 0.3f);
        canvas.DrawPath(neckPath, neck);
        using var cloth = Fill(s.Clothing);
        canvas.DrawOval(P(0, t.ChinY + 40), new SKSize(75, 28), cloth);
    }

    private void Ears()
    {
        for (int k = -1; k <= 1; k += 2)
        {
            float visible = Math.Clamp(1 - k * s.Yaw * 2.5f, 0, 1.4f);
            if (visible < 0.05f) continue;
            var c = P(k * (t.FaceHalfWidth - 1), t.EyeY + t.EarY, -6);
            var rect = SKRect.Create(c.X - (k < 0 ? t.EarSize * 0.4f * visible : 0), c.Y - t.EarSize * 0.55f, t.EarSize * 0.4f * visible, t.EarSize * 1.1f);
            using var ear = Fill(FaceTraits.Shade(t.Skin, 0.92f));
            canvas.DrawOval(rect, ear);
            using var inner = Stroke(FaceTraits.Shade(t.Skin, 0.7f).WithAlpha(150), 1);
            rect.Inflate(-t.EarSize * 0.1f * visible, -t.EarSize * 0.18f);
            canvas.DrawArc(rect, k < 0 ? 100 : -80, 160, false, inner);
        }
    }

    private SKPoint[] Outline() =>
    [
        P(0, t.CrownY), P(t.FaceHalfWidth * 0.9f, t.EyeY - 20), P(t.FaceHalfWidth, t.CheekY),
        P(t.JawHalfWidth, t.ChinY - 13), P(t.ChinHalfWidth, t.ChinY - 1), P(0, t.ChinY + 1),
        P(-t.ChinHalfWidth, t.ChinY - 1), P(-t.JawHalfWidth, t.ChinY - 13), P(-t.FaceHalfWidth, t.CheekY),
        P(-t.FaceHalfWidth * 0.9f, t.EyeY - 20),
    ];

    private void Face()
    {
        using var path = Spline.Closed(Outline());
        var centre = P(0, t.CheekY - 4, 8);
        using var shader = SKShader.CreateRadialGradient(centre, t.FaceHalfWidth * 1.35f,
            [FaceTraits.Shade(t.Skin, 1.06f), t.Skin, FaceTraits.Shade(t.Skin, 0.8f)], [0, 0.6f, 1], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { IsAntialias = true, Shader = shader };
        canvas.DrawPath(path, paint);
        if (t.Blush > 0.02f)
            for (int k = -1; k <= 1; k += 2)
            {
                var c = P(k * t.FaceHalfWidth * 0.55f, t.MouthY - 14, 4);
                using var blush = SKShader.CreateRadialGradient(c, 11, [new SKColor(220, 90, 90, (byte)(t.Blush * 255)), SKColors.Transparent], SKShaderTileMode.Clamp);
                using var bp = new SKPaint { IsAntialias = true, Shader = blush };
                canvas.DrawCircle(c, 11, bp);
            }
    }

    private void Marks()
    {
        using var mole = Fill(FaceTraits.Shade(t.Skin, 0.45f).WithAlpha(220));
        foreach (var (x, y, r) in t.Moles) canvas.DrawCircle(P(x, y, 4), r, mole);
        using var freckle = Fill(FaceTraits.Shade(t.Skin, 0.72f).WithAlpha(150));
        foreach (var (x, y) in t.Freckles) canvas.DrawCircle(P(x, t.EyeY + 8 + y * 0.6f, 5), 0.7f, freckle);
        if (t.Scar is var (x0, y0, x1, y1))
        {
            using var scar = Stroke(FaceTraits.Mix(t.Skin, new SKColor(200, 120, 120), 0.4f), 1.2f);
            canvas.DrawLine(P(x0, y0, 4), P(x1, y1, 4), scar);
        }
        if (t.Wrinkles > 0)
        {
            using var line = Stroke(FaceTraits.Shade(t.Skin, 0.7f).WithAlpha((byte)(t.Wrinkles * 140)), 0.9f);
            for (int k = -1; k <= 1; k += 2)
            {
                using var fold = Spline.Open([P(k * (t.NoseHalfWidth + 2), t.EyeY + t.NoseLength - 2, 8), P(k * (t.NoseHalfWidth + 5), t.MouthY - 5, 6), P(k * (t.MouthHalfWidth + 3), t.MouthY + 4, 4)]);
                canvas.DrawPath(fold, line);
            }
            using var brow = Stroke(FaceTraits.Shade(t.Skin, 0.75f).WithAlpha((byte)(t.Wrinkles * 90)), 0.7f);
            canvas.DrawLine(P(-10, t.EyeY - t.BrowGap - 9, 6), P(10, t.EyeY - t.BrowGap - 9, 6), brow);
        }
    }

    private void Eyes()
    {
        for (int k = -1; k <= 1; k += 2)
        {
            float cx = k * t.EyeHalfSpacing, cy = t.EyeY, w = t.EyeWidth / 2;
            float open = s.EyeOpen, up = t.EyeHeight * 1.25f * open, down = t.EyeHeight * 0.7f * open;
            float tilt = t.EyeTilt * w;
            var inner = P(cx - k * w, cy + tilt, 3);
            var outer = P(cx + k * w, cy - tilt, 2);
            using var eye = new SKPath();
            eye.MoveTo(inner);
            eye.CubicTo(P(cx - k * w * 0.4f, cy - up, 4), P(cx + k * w * 0.5f, cy - up * 0.9f, 4), outer);
            eye.CubicTo(P(cx + k * w * 0.4f, cy + down, 4), P(cx - k * w * 0.5f, cy + down, 4), inner);
            eye.Close();
            if (t.EyeBags)
            {
                using var bag = Stroke(FaceTraits.Shade(t.Skin, 0.78f).WithAlpha(120), 1);
                using var bagPath = Spline.Open([P(cx - k * w * 0.8f, cy + down + 2.5f, 4), P(cx, cy + down + 4, 4), P(cx + k * w * 0.8f, cy + down + 2.5f, 4)]);
                canvas.DrawPath(bagPath, bag);
            }
            if (t.EyeCrease)
            {
                using var crease = Stroke(FaceTraits.Shade(t.Skin, 0.72f).WithAlpha(150), 0.8f);
                using var creasePath = Spline.Open([P(cx - k * w * 0.8f, cy - up * 0.6f - 1.5f, 4), P(cx, cy - up - 2, 4), P(cx + k * w * 0.9f, cy - tilt - up * 0.5f - 1, 3)]);
                canvas.DrawPath(creasePath, crease);
            }
            if (open > 0.15f)
            {
                using var white = Fill(FaceTraits.Mix(t.Skin, new SKColor(245, 245, 240), 0.85f));
                canvas.DrawPath(eye, white);
                canvas.Save();
                canvas.ClipPath(eye, antialias: true);
                var iris = P(cx + s.GazeX * w * 0.35f, cy + s.GazeY * 2, 5);
                float r = t.IrisRatio * t.EyeWidth;
                using var irisPaint = Fill(t.Iris);
                canvas.DrawCircle(iris, r, irisPaint);
                using var pupil = Fill(new SKColor(12, 10, 10));
                canvas.DrawCircle(iris, r * 0.45f, pupil);
                using var glint = Fill(SKColors.White.WithAlpha(200));
                canvas.DrawCircle(iris.X - r * 0.35f, iris.Y - r * 0.35f, r * 0.2f, glint);
                canvas.Restore();
            }
            using var lid = Stroke(new SKColor(30, 22, 20), open > 0.15f ? 1.3f : 1.6f);
            using var lidPath = new SKPath();
            lidPath.MoveTo(inner);
            lidPath.CubicTo(P(cx - k * w * 0.4f, cy - up, 4), P(cx + k * w * 0.5f, cy - up * 0.9f, 4), outer);
            canvas.DrawPath(lidPath, lid);
        }
    }

    private void Brows()
    {
        for (int k = -1; k <= 1; k += 2)
        {
            float cx = k * t.EyeHalfSpacing, by = t.EyeY - t.BrowGap - s.BrowRaise;
            float len = t.BrowLength, th = t.BrowThickness;
            var a = (x: cx - k * len * 0.45f, y: by + t.BrowTilt * len * 0.5f);
            var b = (x: cx + k * len * 0.1f, y: by - t.BrowArch);
            var c = (x: cx + k * len * 0.55f, y: by - t.BrowTilt * len * 0.5f + 1.5f);
            using var brow = Spline.Closed([
                P(a.x, a.y - th * 0.5f, 4), P(b.x, b.y - th * 0.5f, 5), P(c.x, c.y - th * 0.15f, 3),
                P(c.x - k * 1, c.y + th * 0.2f, 3), P(b.x, b.y + th * 0.5f, 5), P(a.x, a.y + th * 0.5f, 4),
            ], 0.8f);
            using var paint = Fill(t.Brow.WithAlpha(235));
            canvas.DrawPath(brow, paint);
        }
    }

    private void Nose()
    {
        float tip = t.EyeY + t.NoseLength, hw = t.NoseHalfWidth;
        using var bridge = Stroke(FaceTraits.Shade(t.Skin, 0.75f).WithAlpha((byte)(60 + 60 * t.NoseBridge)), 1);
        for (int k = -1; k <= 1; k += 2)
        {
            using var line = Spline.Open([P(k * 4, t.EyeY + 1, 6), P(k * (2 + t.NoseBridge * 2), (t.EyeY + tip) / 2, 9), P(k * hw * 0.7f, tip - 3, 11)]);
            canvas.DrawPath(line, bridge);
        }
        using var shadow = Fill(FaceTraits.Shade(t.Skin, 0.82f).WithAlpha(170));
        canvas.DrawOval(P(0, tip + 2.5f, 10), new SKSize(hw * 0.9f, 2.5f), shadow);
        using var ala = Stroke(FaceTraits.Shade(t.Skin, 0.62f).WithAlpha(200), 1.1f);
        using var nostril = Fill(FaceTraits.Shade(t.Skin, 0.4f));
        for (int k = -1; k <= 1; k += 2)
        {
            using var curve = Spline.Open([P(k * hw, tip - 2.5f, 8), P(k * (hw + 0.8f), tip + 0.5f, 8), P(k * hw * 0.55f, tip + 2.2f, 10)]);
            canvas.DrawPath(curve, ala);
            canvas.DrawOval(P(k * hw * 0.42f, tip + 1.3f, 10), new SKSize(1.7f, 0.9f), nostril);
        }
        using var light = Fill(FaceTraits.Shade(t.Skin, 1.12f).WithAlpha(150));
        canvas.DrawOval(P(0, tip - t.NoseTipRound * 0.6f, 12), new SKSize(t.NoseTipRound * 0.8f, t.NoseTipRound * 0.6f), light);
    }

    private void Mouth()
    {
        float y = t.MouthY, w = t.MouthHalfWidth * (1 + 0.12f * s.Smile);
        float lift = (t.RestSmile + s.Smile) * 3.5f, open = s.MouthOpen * 6;
        var left = P(-w, y - lift, 5);
        var right = P(w, y - lift, 5);
        using var upper = new SKPath();
        upper.MoveTo(left);
        upper.CubicTo(P(-w * 0.6f, y - t.UpperLip * 0.8f, 6), P(-w * 0.3f, y - t.UpperLip, 7), P(0, y - t.UpperLip + t.CupidBow * 0.7f, 7));
        upper.CubicTo(P(w * 0.3f, y - t.UpperLip, 7), P(w * 0.6f, y - t.UpperLip * 0.8f, 6), right);
        upper.CubicTo(P(w * 0.5f, y - open * 0.3f, 6), P(-w * 0.5f, y - open * 0.3f, 6), left);
        upper.Close();
        using var lower = new SKPath();
        lower.MoveTo(left);
        lower.CubicTo(P(-w * 0.5f, y + open * 0.7f, 6), P(w * 0.5f, y + open * 0.7f, 6), right);
        lower.CubicTo(P(w * 0.6f, y + open + t.LowerLip * 1.3f, 6), P(-w * 0.6f, y + open + t.LowerLip * 1.3f, 6), left);
        lower.Close();
        if (open > 0.5f)
        {
            using var mouth = Fill(new SKColor(60, 20, 24));
            using var inside = Spline.Closed([left, P(0, y - open * 0.3f, 6), right, P(0, y + open * 0.75f, 6)], 0.9f);
            canvas.DrawPath(inside, mouth);
            using var teeth = Fill(new SKColor(236, 230, 215));
            canvas.DrawOval(P(0, y - open * 0.1f, 6), new SKSize(w * 0.55f, Math.Min(2.2f, open * 0.3f)), teeth);
        }
        using var lip = Fill(t.Lip);
        canvas.DrawPath(upper, lip);
        using var lowerLip = Fill(FaceTraits.Shade(t.Lip, 1.08f));
        canvas.DrawPath(lower, lowerLip);
        using var line = Stroke(FaceTraits.Shade(t.Lip, 0.6f), 0.8f);
        using var seam = new SKPath();
        seam.MoveTo(left);
        seam.CubicTo(P(-w * 0.5f, y - open * 0.3f, 6), P(w * 0.5f, y - open * 0.3f, 6), right);
        canvas.DrawPath(seam, line);
    }

    private void FacialHairLayer()
    {
        if (t.FacialHair == FacialHair.None) return;
        float y = t.MouthY, w = t.MouthHalfWidth;
        if (t.FacialHair is FacialHair.Stubble or FacialHair.Beard)
        {
            bool full = t.FacialHair == FacialHair.Beard;
            using var region = Spline.Closed([
                P(-t.FaceHalfWidth * 0.98f, t.CheekY + 2), P(-t.JawHalfWidth, t.ChinY - 13), P(-t.ChinHalfWidth, t.ChinY - 1),
                P(0, t.ChinY + (full ? 4 : 1)), P(t.ChinHalfWidth, t.ChinY - 1), P(t.JawHalfWidth, t.ChinY - 13),
                P(t.FaceHalfWidth * 0.98f, t.CheekY + 2), P(t.FaceHalfWidth * 0.6f, y - 6, 4), P(w + 2, y - 3, 5),
                P(0, y - t.UpperLip - 5, 7), P(-w - 2, y - 3, 5), P(-t.FaceHalfWidth * 0.6f, y - 6, 4),
            ], 0.7f);
            using var paint = Fill(t.Hair.WithAlpha((byte)(full ? 225 : 60)));
            canvas.DrawPath(region, paint);
            if (full) return;
        }
        using var hair = Fill(t.Hair.WithAlpha(235));
        using var stache = Spline.Closed([P(-w - 1.5f, y + 1, 5), P(-w * 0.5f, y - t.UpperLip - 4.5f, 7), P(0, y - t.UpperLip - 4, 8), P(w * 0.5f, y - t.UpperLip - 4.5f, 7), P(w + 1.5f, y + 1, 5), P(0, y - t.UpperLip - 0.5f, 7)], 0.8f);
        canvas.DrawPath(stache, hair);
        if (t.FacialHair == FacialHair.Goatee)
        {
            using var goatee = Spline.Closed([P(-w * 0.55f, y + t.LowerLip + 2, 6), P(w * 0.55f, y + t.LowerLip + 2, 6), P(t.ChinHalfWidth + 2, t.ChinY - 3, 3), P(0, t.ChinY + 3, 3), P(-t.ChinHalfWidth - 2, t.ChinY - 3, 3)], 0.8f);
            canvas.DrawPath(goatee, hair);
        }
    }

    private void BackHair()
    {
        float v = t.HairVolume, r = t.FaceHalfWidth;
        using var back = Spline.Closed([
            P(-r - v, t.EyeY), P(-r - v * 0.6f, t.CrownY + 6), P(0, t.CrownY - v), P(r + v * 0.6f, t.CrownY + 6),
            P(r + v, t.EyeY), P(r + v * 0.8f, t.EyeY + t.HairLength), P(-r - v * 0.8f, t.EyeY + t.HairLength),
        ], 0.8f);
        using var paint = Fill(FaceTraits.Shade(t.Hair, 0.8f));
        canvas.DrawPath(back, paint);
    }

    private void FrontHair()
    {
        var style = t.HairStyle;
        if (s.Occluder == Occluder.Hat && style != HairStyle.Long) style = HairStyle.Buzz;
        float v = t.HairVolume + (style == HairStyle.Buzz ? -t.HairVolume + 1 : 0), r = t.FaceHalfWidth, hl = t.Hairline + s.HairJitter;
        if (style == HairStyle.Bald)
        {
            using var side = Fill(t.Hair.WithAlpha(150));
            for (int k = -1; k <= 1; k += 2) canvas.DrawOval(P(k * (r - 2), t.EyeY - 10), new SKSize(3, 9), side);
            return;
        }
        SKPoint[] edge = style switch
        {
            HairStyle.Fringe => [P(-r * 0.8f, t.EyeY - 12, 2), P(-r * 0.3f, t.EyeY - t.BrowGap - 5 + s.HairJitter, 5), P(r * 0.3f, t.EyeY - t.BrowGap - 6 + s.HairJitter, 5), P(r * 0.8f, t.EyeY - 12, 2)],
            HairStyle.Receding => [P(-r * 0.7f, hl - 2, 3), P(-r * 0.3f, hl - 12, 5), P(0, hl - 7, 6), P(r * 0.3f, hl - 12, 5), P(r * 0.7f, hl - 2, 3)],
            _ => [P(-r * 0.75f, hl + 3, 3), P(t.HairPart * 0.5f, hl - 1, 6), P(r * 0.75f, hl + 3, 3)],
        };
        var outline = new List<SKPoint> { P(-r - v * 0.4f, t.EyeY - 2) };
        outline.AddRange(edge);
        outline.AddRange([P(r + v * 0.4f, t.EyeY - 2), P(r + v * 0.8f, t.CrownY + 10), P(0, t.CrownY - v), P(-r - v * 0.8f, t.CrownY + 10)]);
        using var cap = Spline.Closed(outline, 0.85f);
        var top = P(0, t.CrownY - v);
        using var shader = SKShader.CreateLinearGradient(top, P(0, hl + 4),
            [FaceTraits.Shade(t.Hair, 1.25f), t.Hair, FaceTraits.Shade(t.Hair, 0.85f)], [0, 0.6f, 1], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { IsAntialias = true, Shader = shader, Color = SKColors.Black.WithAlpha(style == HairStyle.Buzz ? (byte)140 : (byte)255) };
        canvas.DrawPath(cap, paint);

        // Strands: the same for every photo of the person.
        var strands = new SeededRandom((ulong)t.HairSeed);
        using var strand = Stroke(FaceTraits.Shade(t.Hair, strands.Uniform(0.6f, 1.4f)).WithAlpha(110), 0.8f);
        canvas.Save();
        canvas.ClipPath(cap, antialias: true);
        for (int i = 0; i < 14; i++)
        {
            float x = strands.Uniform(-r, r);
            canvas.DrawLine(P(x * 0.3f + t.HairPart * 0.3f, t.CrownY - v), P(x, hl + 6), strand);
        }
        canvas.Restore();

        if (style == HairStyle.SidePart)
        {
            using var part = Stroke(FaceTraits.Shade(t.Hair, 0.55f), 1.2f);
            canvas.DrawLine(P(t.HairPart, hl - 1, 6), P(t.HairPart * 0.8f, t.CrownY + 4, 4), part);
        }
        if (style == HairStyle.Curly)
        {
            using var curl = Fill(FaceTraits.Shade(t.Hair, 1.1f));
            for (int i = 0; i < 12; i++)
            {
                float a = MathF.PI * (i / 11f);
                canvas.DrawCircle(P(-MathF.Cos(a) * (r + v * 0.5f), t.EyeY - 6 - MathF.Sin(a) * (t.EyeY - t.CrownY + v * 0.6f)), 4 + v * 0.25f, curl);
            }
        }
        if (style == HairStyle.Bun) canvas.DrawCircle(P(0, t.CrownY - v - 5), 9, paint);
        if (style == HairStyle.Long)
        {
            using var lock_ = Fill(t.Hair);
            for (int k = -1; k <= 1; k += 2)
            {
                using var side = Spline.Closed([P(k * (r - 3), t.EyeY - 14), P(k * (r + v * 0.5f), t.EyeY - 14), P(k * (r + v * 0.6f), t.EyeY + t.HairLength), P(k * (r - 4), t.EyeY + t.HairLength * 0.8f)], 0.6f);
                canvas.DrawPath(side, lock_);
            }
        }
    }

    private void Glasses(bool dark)
    {
        var frame = dark ? new SKColor(15, 15, 15) : t.GlassesColor;
        using var rim = Stroke(frame, dark ? Math.Max(1.4f, t.GlassesThickness) : t.GlassesThickness);
        using var lens = Fill(dark ? new SKColor(20, 20, 28, 235) : new SKColor(200, 220, 235, 30));
        float w = t.EyeWidth * (t.RoundGlasses ? 0.75f : 0.82f), h = t.RoundGlasses ? w : t.EyeWidth * 0.6f;
        for (int k = -1; k <= 1; k += 2)
        {
            var c = P(k * t.EyeHalfSpacing, t.EyeY + 0.5f, 8);
            var rect = SKRect.Create(c.X - w, c.Y - h, 2 * w, 2 * h);
            canvas.DrawRoundRect(rect, t.RoundGlasses ? w : 2.5f, t.RoundGlasses ? h : 2.5f, lens);
            canvas.DrawRoundRect(rect, t.RoundGlasses ? w : 2.5f, t.RoundGlasses ? h : 2.5f, rim);
            canvas.DrawLine(P(k * (t.EyeHalfSpacing + w * 0.9f), t.EyeY - 1, 7), P(k * (t.FaceHalfWidth + 1), t.EyeY + 1, -2), rim);
        }
        canvas.DrawLine(P(-t.EyeHalfSpacing + w, t.EyeY - 1, 9), P(t.EyeHalfSpacing - w, t.EyeY - 1, 9), rim);
    }

    private void Earrings()
    {
        using var gold = Fill(new SKColor(212, 175, 55));
        for (int k = -1; k <= 1; k += 2)
            if (k * s.Yaw < 0.3f) canvas.DrawCircle(P(k * (t.FaceHalfWidth - 0.5f), t.EyeY + t.EarY + t.EarSize * 0.55f, -6), 1.6f, gold);
    }

    private void OccluderLayer()
    {
        switch (s.Occluder)
        {
            case Occluder.Sunglasses: Glasses(dark: true); break;
            case Occluder.Mask: Mask(); break;
            case Occluder.Hat: Hat(); break;
            case Occluder.Hand: Hand(); break;
            case Occluder.Object: ObjectInFront(); break;
            case Occluder.HairStrand: Strands(); break;
        }
    }

    private void Mask()
    {
        var colors = new[] { new SKColor(170, 205, 230), new SKColor(238, 238, 238), new SKColor(30, 30, 34), s.OccluderColor };
        var color = colors[(int)((s.OccluderSide + 1) * 1.999f)];
        float top = t.EyeY + t.NoseLength * 0.55f;
        using var mask = Spline.Closed([
            P(-t.FaceHalfWidth * 0.97f, top + 4), P(0, top - 2, 10), P(t.FaceHalfWidth * 0.97f, top + 4), P(t.JawHalfWidth, t.ChinY - 12),
            P(0, t.ChinY + 2, 4), P(-t.JawHalfWidth, t.ChinY - 12),
        ], 0.8f);
        using var paint = Fill(color);
        canvas.DrawPath(mask, paint);
        using var pleat = Stroke(FaceTraits.Shade(color, 0.8f), 0.8f);
        for (int i = 1; i <= 3; i++)
            canvas.DrawLine(P(-t.FaceHalfWidth * 0.7f, top + 4 + i * 7, 8), P(t.FaceHalfWidth * 0.7f, top + 4 + i * 7, 8), pleat);
    }

    private void Hat()
    {
        using var paint = Fill(s.OccluderColor);
        float v = t.HairVolume, brim = t.Hairline + s.OccluderReach * 10;
        using var crown = Spline.Closed([P(-t.FaceHalfWidth - v * 0.5f, brim), P(-t.FaceHalfWidth * 0.8f, t.CrownY - v), P(0, t.CrownY - v - 8), P(t.FaceHalfWidth * 0.8f, t.CrownY - v), P(t.FaceHalfWidth + v * 0.5f, brim)], 0.8f);
        canvas.DrawPath(crown, paint);
        using var band = Stroke(FaceTraits.Shade(s.OccluderColor, 0.6f), 3);
        canvas.DrawLine(P(-t.FaceHalfWidth - v * 0.5f, brim, 4), P(t.FaceHalfWidth + v * 0.5f, brim, 4), band);
        if (s.OccluderSide > 0)
        {
            using var peak = Fill(FaceTraits.Shade(s.OccluderColor, 0.8f));
            canvas.DrawOval(P(0, brim + 2, 14), new SKSize(t.FaceHalfWidth * 0.9f, 4), peak);
        }
    }

    private void Hand()
    {
        var skin = FaceTraits.Shade(t.Skin, 0.95f);
        using var paint = Fill(skin);
        float x = s.OccluderSide * t.FaceHalfWidth * 0.8f, y = t.ChinY + 8 - s.OccluderReach * 28;
        canvas.DrawOval(P(x, y + 12, 10), new SKSize(15, 18), paint);
        using var finger = Stroke(skin, 5.5f);
        using var crease = Stroke(FaceTraits.Shade(skin, 0.75f), 0.8f);
        for (int i = 0; i < 4; i++)
        {
            float fx = x - 9 + i * 6;
            canvas.DrawLine(P(fx, y + 2, 10), P(fx + s.OccluderSide * 3, y - 14 + Math.Abs(i - 1.5f) * 3, 12), finger);
            canvas.DrawLine(P(fx + 2.7f, y + 2, 10), P(fx + 2.7f + s.OccluderSide * 3, y - 10, 12), crease);
        }
    }

    private void ObjectInFront()
    {
        using var paint = Fill(s.OccluderColor);
        float side = s.OccluderSide < 0 ? -1 : 1, reach = s.OccluderReach * 40;
        float y = t.EyeY + s.OccluderSide * 30;
        var a = P(side * 70, y - 12, 20);
        var b = P(side * (70 - 25 - reach), y + 14, 20);
        canvas.DrawRoundRect(new SKRect(Math.Min(a.X, b.X), a.Y, Math.Max(a.X, b.X), b.Y), 4, 4, paint);
    }

    private void Strands()
    {
        using var strand = Stroke(FaceTraits.Shade(t.Hair, 0.9f), 2.2f);
        for (int i = 0; i < 4; i++)
        {
            float x0 = s.OccluderSide * 20 + i * 3;
            using var path = Spline.Open([P(x0, t.CrownY + 10), P(x0 + 6 * s.OccluderReach, t.EyeY, 10), P(x0 - 4, t.MouthY, 8)]);
            canvas.DrawPath(path, strand);
        }
    }
}
