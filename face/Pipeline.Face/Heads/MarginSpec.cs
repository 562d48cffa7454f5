namespace Pipeline.Face.Heads;

/// <summary>
/// The combined margin of the paper (target logit = s * (cos(m1*theta + m2) - m3)): ArcFace,
/// CosFace and SphereFace are three settings of one formula.
/// </summary>
public sealed record MarginSpec(double M1, double M2, double M3, double Scale = 64.0)
{
    public static readonly MarginSpec ArcFace = new(1.0, 0.5, 0.0);
    public static readonly MarginSpec CosFace = new(1.0, 0.0, 0.35);
    public static readonly MarginSpec SphereFace = new(1.35, 0.0, 0.0);

    public static MarginSpec Parse(string name) => name.ToLowerInvariant() switch
    {
        "arcface" => ArcFace,
        "cosface" => CosFace,
        "sphereface" => SphereFace,
        _ => throw new ArgumentException($"unknown margin '{name}' (arcface|cosface|sphereface)"),
    };
}
