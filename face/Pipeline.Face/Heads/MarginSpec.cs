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

    /// <summary>The margins by the name plans and the CLI use.</summary>
    public static readonly IReadOnlyDictionary<string, MarginSpec> Named = new Dictionary<string, MarginSpec>
    {
        ["arcface"] = ArcFace,
        ["cosface"] = CosFace,
        ["sphereface"] = SphereFace,
    };

    public static MarginSpec Parse(string name) => Named.GetValueOrDefault(name.ToLowerInvariant())
        ?? throw new ArgumentException($"unknown margin '{name}' ({string.Join("|", Named.Keys)})");
}
