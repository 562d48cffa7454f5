namespace Pipeline.Face.Purification;

/// <summary>
/// How far from its class's dominant sub-center a sample may be. Fixed: the paper's angle
/// (75 degrees). Auto: chosen per run from the angle distribution, since a fixed angle does not
/// carry over between models (clean/noisy medians moved from 36/87 to 47/65 degrees between two
/// set-ups on real faces).
/// </summary>
public sealed record DropRule(string Kind, double AngleDegrees)
{
    public const double PaperAngle = 75.0;
    public static DropRule Fixed(double degrees = PaperAngle) => new("angle", degrees);
    public static readonly DropRule Auto = new("auto", PaperAngle);
    public bool IsAuto => Kind == "auto";

    public static DropRule Parse(string kind, double angle) => kind.ToLowerInvariant() switch
    {
        "auto" => Auto,
        "angle" or "fixed" => Fixed(angle),
        _ => throw new ArgumentException($"unknown drop rule '{kind}' (auto|angle)"),
    };
}
