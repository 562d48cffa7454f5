namespace Pipeline.Datasets;

/// <summary>Either RGB pixels (HWC, ImageSize x ImageSize x 3) or the quarantine reason.</summary>
public readonly record struct ValidationResult(byte[]? Pixels, string? Reason)
{
    public bool IsValid => Pixels is not null;

    public static ValidationResult Ok(byte[] pixels) => new(pixels, null);

    public static ValidationResult Refused(string code, string detail) => new(null, QuarantineReasons.Format(code, detail));
}
