using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// What makes a synthetic person that person: continuous face geometry, colouring and marks drawn
/// once per identity. Many independent traits, none decisive alone, so thousands of identities stay
/// distinct while photos of one person still vary (see <see cref="FaceShot"/>). Face-local units are
/// pixels of a 112 crop centred at (56, 56), eyes near y = -4 as in ArcFace's aligned template.
/// </summary>
internal sealed class FaceTraits
{
    // Geometry.
    public float FaceHalfWidth, JawHalfWidth, ChinY, ChinHalfWidth, CrownY, CheekY;
    public float EyeHalfSpacing, EyeY, EyeWidth, EyeHeight, EyeTilt, IrisRatio;
    public bool EyeCrease, EyeBags;
    public float BrowGap, BrowThickness, BrowArch, BrowLength, BrowTilt;
    public float NoseLength, NoseHalfWidth, NoseBridge, NoseTipRound;
    public float MouthY, MouthHalfWidth, UpperLip, LowerLip, CupidBow, RestSmile;
    public float EarSize, EarY;
    public float Asymmetry;

    // Colour.
    public SKColor Skin, Hair, Iris, Lip, Brow;
    public float Blush;

    // Hair.
    public HairStyle HairStyle;
    public float Hairline, HairVolume, HairPart, HairLength;
    public long HairSeed;

    // Marks and facial hair.
    public (float X, float Y, float R)[] Moles = [];
    public (float X, float Y)[] Freckles = [];
    public (float X0, float Y0, float X1, float Y1)? Scar;
    public float Wrinkles;
    public FacialHair FacialHair;

    // Accessories worn in every photo.
    public bool Glasses, RoundGlasses, Earrings;
    public SKColor GlassesColor;
    public float GlassesThickness;

    private static readonly SKColor[] SkinRamp =
    [
        new(255, 226, 200), new(241, 196, 168), new(226, 173, 140), new(199, 138, 102),
        new(163, 106, 72), new(120, 76, 50), new(86, 56, 38),
    ];

    private static readonly (SKColor Color, double Weight)[] HairColors =
    [
        (new(28, 24, 22), 5), (new(58, 40, 28), 4), (new(96, 66, 42), 3), (new(146, 106, 68), 2),
        (new(206, 174, 116), 1.5), (new(228, 214, 180), 0.5), (new(142, 64, 34), 0.8), (new(110, 48, 34), 0.8),
        (new(140, 138, 136), 1), (new(212, 210, 206), 0.6),
    ];

    private static readonly (SKColor Color, double Weight)[] IrisColors =
    [
        (new(54, 32, 20), 5), (new(96, 58, 30), 3), (new(124, 96, 48), 1.5), (new(78, 116, 68), 1),
        (new(64, 104, 164), 1.5), (new(118, 128, 138), 1),
    ];

    public static FaceTraits Sample(SeededRandom r)
    {
        var t = new FaceTraits
        {
            FaceHalfWidth = r.Uniform(35, 45),
            ChinY = r.Uniform(48, 58),
            CrownY = r.Uniform(-62, -50),
            CheekY = r.Uniform(-4, 10),
            EyeHalfSpacing = r.Uniform(15.5f, 19.5f),
            EyeY = r.Uniform(-7, -2),
            EyeWidth = r.Uniform(7.5f, 11.5f),
            EyeHeight = r.Uniform(2.6f, 5.2f),
            EyeTilt = r.Uniform(-0.16f, 0.16f),
            IrisRatio = r.Uniform(0.32f, 0.45f),
            EyeCrease = r.Chance(0.6),
            EyeBags = r.Chance(0.3),
            BrowGap = r.Uniform(5.5f, 11),
            BrowThickness = r.Uniform(1.4f, 4.6f),
            BrowArch = r.Uniform(-0.5f, 4.5f),
            BrowLength = r.Uniform(10, 17),
            BrowTilt = r.Uniform(-0.22f, 0.22f),
            NoseLength = r.Uniform(13, 22),
            NoseHalfWidth = r.Uniform(5.5f, 12),
            NoseBridge = r.Uniform(0.2f, 1),
            NoseTipRound = r.Uniform(1.5f, 4.5f),
            MouthHalfWidth = r.Uniform(9, 16),
            UpperLip = r.Uniform(1.2f, 4),
            LowerLip = r.Uniform(1.8f, 5.5f),
            CupidBow = r.Uniform(0, 2),
            RestSmile = r.Uniform(-0.25f, 0.35f),
            EarSize = r.Uniform(9, 16),
            EarY = r.Uniform(0, 10),
            Asymmetry = r.Uniform(-1.5f, 1.5f),
            Blush = r.Uniform(0, 0.35f),
            Wrinkles = r.Chance(0.3) ? r.Uniform(0.2f, 1) : 0,
        };
        t.JawHalfWidth = t.FaceHalfWidth * r.Uniform(0.55f, 0.88f);
        t.ChinHalfWidth = r.Uniform(3, 13);
        t.MouthY = t.EyeY + t.NoseLength + r.Uniform(17, 24);
        t.MouthY = Math.Min(t.MouthY, t.ChinY - 9);

        t.Skin = Jitter(r, Ramp(SkinRamp, r.NextDouble()), 12);
        t.Hair = Jitter(r, HairColors[r.Weighted(HairColors.Select(c => c.Weight).ToArray())].Color, 14);
        t.Iris = Jitter(r, IrisColors[r.Weighted(IrisColors.Select(c => c.Weight).ToArray())].Color, 12);
        t.Lip = Mix(t.Skin, new SKColor(168, 62, 70), r.Uniform(0.25f, 0.6f));
        t.Brow = Mix(t.Hair, new SKColor(30, 24, 20), r.Uniform(0, 0.5f));

        t.HairStyle = (HairStyle)r.Weighted([0.6, 1, 2.2, 1.6, 1.4, 2, 1, 0.8, 0.8]);
        t.Hairline = r.Uniform(-36, -22);
        t.HairVolume = r.Uniform(2, 11);
        t.HairPart = r.Uniform(-18, 18);
        t.HairLength = r.Uniform(10, 60);
        t.HairSeed = (long)r.NextULong();

        t.Moles = Enumerable.Range(0, r.Weighted([4, 3, 2, 1])).Select(_ => (r.Uniform(-30, 30), r.Uniform(-25, 45), r.Uniform(0.7f, 2.2f))).ToArray();
        if (r.Chance(0.15))
            t.Freckles = Enumerable.Range(0, 20 + r.Next(40)).Select(_ => (r.Uniform(-28, 28), r.Uniform(-2, 22))).ToArray();
        if (r.Chance(0.06))
        {
            float x = r.Uniform(-28, 28), y = r.Uniform(-20, 40);
            t.Scar = (x, y, x + r.Uniform(-10, 10), y + r.Uniform(4, 14));
        }
        t.FacialHair = (FacialHair)r.Weighted([6, 1.2, 1, 0.8, 1.2]);

        t.Glasses = r.Chance(0.14);
        t.RoundGlasses = r.Chance(0.4);
        t.GlassesColor = r.Chance(0.5) ? new SKColor(20, 20, 24) : Jitter(r, new SKColor(120, 90, 60), 50);
        t.GlassesThickness = r.Uniform(0.8f, 2.4f);
        t.Earrings = r.Chance(0.12);
        return t;
    }

    public static SKColor Mix(SKColor a, SKColor b, float t) => new(
        (byte)(a.Red + (b.Red - a.Red) * t), (byte)(a.Green + (b.Green - a.Green) * t), (byte)(a.Blue + (b.Blue - a.Blue) * t), a.Alpha);

    public static SKColor Shade(SKColor c, float factor) => new(
        (byte)Math.Clamp(c.Red * factor, 0, 255), (byte)Math.Clamp(c.Green * factor, 0, 255), (byte)Math.Clamp(c.Blue * factor, 0, 255), c.Alpha);

    public static SKColor Jitter(SeededRandom r, SKColor c, float amount) => new(
        (byte)Math.Clamp(c.Red + r.Uniform(-amount, amount), 0, 255),
        (byte)Math.Clamp(c.Green + r.Uniform(-amount, amount), 0, 255),
        (byte)Math.Clamp(c.Blue + r.Uniform(-amount, amount), 0, 255));

    private static SKColor Ramp(SKColor[] ramp, double t)
    {
        double x = t * (ramp.Length - 1);
        int i = Math.Min((int)x, ramp.Length - 2);
        return Mix(ramp[i], ramp[i + 1], (float)(x - i));
    }
}

internal enum HairStyle { Bald, Buzz, Short, SidePart, Fringe, Long, Curly, Bun, Receding }

internal enum FacialHair { None, Stubble, Moustache, Goatee, Beard }
