namespace Pipeline.Face.Inversion;

/// <summary>
/// How pixels are optimised into a face. The defaults are the ArcFace paper's recipe (Deng et al.,
/// TPAMI 2022): Adam lr 0.25 from Gaussian noise, identity + BN prior 0.05 + total variation 1e-3 +
/// pixel L2 1e-4, at full resolution. The other fields are the ingredients that BN-statistics
/// inversion (DeepInversion, Yin et al., CVPR 2020) found necessary for natural-looking images;
/// each is off in the paper's recipe. Measured one by one in bench/experiments/inversion-recipe.md.
/// </summary>
public sealed record InversionOptions
{
    public int Steps { get; init; } = 300;
    public int Batch { get; init; } = 4;
    public double LearningRate { get; init; } = 0.25;
    /// <summary>Weight of the identity term (1 - cosine), applied at the margin head's scale s.</summary>
    public double IdentityWeight { get; init; } = 1;
    public double BnWeight { get; init; } = 0.05;
    public double TvWeight { get; init; } = 1e-3;
    public double L2Weight { get; init; } = 1e-4;
    public int Seed { get; init; } = 1;

    /// <summary>Random shift of the image by up to this many whole pixels each step (edges repeated), so no pixel pattern fools the network at one position only.</summary>
    public int Jitter { get; init; }

    /// <summary>Random zoom of the image each step by up to this fraction (0.1 = 0.9x to 1.1x), for the same reason as the jitter.</summary>
    public double Zoom { get; init; }

    /// <summary>Resolution levels: the pixels start at size / PixelScale / 2^(Levels-1) and are upsampled level by level (coarse to fine); 1 = full resolution throughout.</summary>
    public int Levels { get; init; } = 1;

    /// <summary>The pixels optimised live at 1/PixelScale of the input size to the end and are upsampled bilinearly: no detail finer than that can fool the network.</summary>
    public int PixelScale { get; init; } = 1;

    /// <summary>Weight of the first BatchNorm layer's prior relative to the others: the first layer sees the pixels' own statistics.</summary>
    public double FirstBnMultiplier { get; init; } = 1;

    /// <summary>Cosine decay of the learning rate to zero within each level, instead of a constant rate.</summary>
    public bool CosineSchedule { get; init; }

    /// <summary>Standard deviation of the starting noise (the image lives in [-1, 1]).</summary>
    public double InitialNoise { get; init; } = 1;

    /// <summary>The paper's recipe, unchanged: the baseline.</summary>
    public static InversionOptions Paper { get; } = new();

    /// <summary>
    /// The paper's losses with the ingredients that measurably carried the identity to an independently trained model: a
    /// gentle start, pixels at a quarter of the resolution grown coarse to fine, jitter and zoom
    /// (bench/experiments/inversion-recipe.md: on real faces the check model's cosine 0.59, against 0.33 at half resolution).
    /// </summary>
    public static InversionOptions Smooth { get; } = new() { Steps = 300, LearningRate = 0.05, InitialNoise = 0.1, PixelScale = 4, Levels = 2, Jitter = 2, Zoom = 0.1 };

    /// <summary>Recipes by name, for the CLI and the dashboard.</summary>
    public static IReadOnlyDictionary<string, InversionOptions> Named { get; } = new Dictionary<string, InversionOptions>(StringComparer.OrdinalIgnoreCase)
    {
        ["paper"] = Paper,
        ["smooth"] = Smooth,
    };
}
