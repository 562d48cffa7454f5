using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// How one photo of a person differs from the next: pose and alignment error, expression,
/// occluders and background. <see cref="Difficulty"/> scales every amplitude and probability
/// (1 = default; 0 = a passport photo every time).
/// </summary>
internal sealed class FaceShot
{
    public float Yaw, Pitch, Roll, Scale, Dx, Dy;
    public float Smile, MouthOpen, EyeOpen, BrowRaise, GazeX, GazeY;
    public float HairJitter;
    public Occluder Occluder;
    public SKColor OccluderColor, Clothing;
    public float OccluderSide, OccluderReach;
    public bool ExtraGlasses;
    public Backdrop Backdrop;
    public SKColor Back0, Back1;
    public long ClutterSeed;

    public static FaceShot Sample(SeededRandom r, float d)
    {
        float p(double baseP) => (float)Math.Min(1, baseP * d);
        var s = new FaceShot
        {
            Yaw = r.Normal(0.24f * d),
            Pitch = r.Normal(0.16f * d),
            Roll = r.Normal(5f * d),
            Scale = 1 + r.Normal(0.045f * d),
            Dx = r.Normal(2.2f * d),
            Dy = r.Normal(2.2f * d),
            Smile = r.Chance(0.45) ? r.Uniform(0, 1) * Math.Min(1, d) : 0,
            MouthOpen = r.Chance(p(0.22)) ? r.Uniform(0.2f, 1) : 0,
            EyeOpen = r.Chance(p(0.05)) ? 0.08f : 1 - r.Uniform(0, 0.35f) * Math.Min(1, d),
            BrowRaise = r.Normal(1.5f * d),
            GazeX = r.Normal(0.25f * d, 2),
            GazeY = r.Normal(0.15f * d, 2),
            HairJitter = r.Normal(1.5f * d),
            Clothing = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)),
            OccluderColor = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)),
            OccluderSide = r.Uniform(-1, 1),
            OccluderReach = r.Uniform(0.3f, 1),
            ExtraGlasses = r.Chance(p(0.05)),
            Backdrop = (Backdrop)r.Weighted([4, 3, 3]),
            Back0 = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)),
            Back1 = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)),
            ClutterSeed = (long)r.NextULong(),
        };
        double none = 1 - Math.Min(0.9, 0.3 * d);
        s.Occluder = (Occluder)r.Weighted([none, 0.06 * d, 0.05 * d, 0.08 * d, 0.05 * d, 0.04 * d, 0.02 * d]);
        return s;
    }
}

internal enum Occluder { None, Sunglasses, Mask, Hat, Hand, Object, HairStrand }

internal enum Backdrop { Plain, Gradient, Clutter }
