using System.CommandLine;
using Pipeline.Contracts;
using Pipeline.Face.Purification;

namespace Pipeline.Cli.Commands;

/// <summary>Options several verbs share, defined once so their names and help stay the same.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print a machine-readable JSON summary on stdout" };

    /// <summary>On every verb (the root command's): the pipeline's and its frameworks' information logs on stderr.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Also log what the services and their frameworks (MassTransit, ASP.NET) do; default: their warnings and errors only",
        Recursive = true,
    };

    /// <summary>--root of the verbs that host the pipeline in one process; default: Pipeline:Root (env Pipeline__Root), else ./.pipeline.</summary>
    public static Option<string> Root(string what) => new("--root")
    {
        Description = $"{what}; Pipeline__Root sets the default",
        DefaultValueFactory = _ => CliConfiguration.PipelineOptions().Root,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "auto | cpu | cuda (auto takes CUDA when present)",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>How faces are found in photos: FaceAlignments (Pipeline.Alignment's FacePolicy says what each does).</summary>
    public static Option<string?> Align() => new("--align")
    {
        Description = $"How faces are found in the photos: {string.Join(", ", Pipeline.Contracts.FaceAlignments.All)} (auto: square images of a crop's size are "
            + "taken as face crops, other photos are detected and aligned to the five-point template; landmarks: aligned by the five points "
            + "of a landmarks.txt (CelebA list_landmarks) or landmarks.lst (insightface) at the data's top; none: the centred square)",
    };

    public static Option<string> Model() => new("--model") { Description = "Model directory (written by `pipeline train` or `import`)", Required = true };

    /// <summary>--model of the verbs that only embed: a model directory or an ONNX file.</summary>
    public static Option<string> EmbeddingModel() => new("--model")
    {
        Description = "Model directory (written by `pipeline train` or `import`), or an ONNX backbone (`pipeline export`'s, or insightface's) run by ONNX Runtime",
        Required = true,
    };

    public static Option<string> Data(string what) => new("--data") { Description = what, Required = true };

    public static Option<double?> NoisePosterior() => new("--noise-posterior")
    {
        Description = "Automatic threshold only: drop a sample where the fitted mixture's noisy mode claims it with at least this posterior "
            + "(default 0.5, where the modes cross); 0.8-0.9 keeps more clean samples on sets with less noise (see README)",
    };

    /// <summary>The --noise-posterior given, checked: strictly between 0 and 1, and not with a fixed angle.</summary>
    public static double? NoisePosteriorValue(ParseResult r, Option<double?> posterior, bool fixedAngle)
    {
        if (r.GetValue(posterior) is not double q) return null;
        if (!RunPlan.IsPosterior(q)) throw new ArgumentException($"--noise-posterior {q}: expected between 0 and 1 (exclusive)");
        if (fixedAngle) throw new ArgumentException("--noise-posterior moves the automatic threshold: it does not go with --angle");
        return q;
    }

    public static Option<bool> NoWhitening(string what) => new("--no-whitening")
    {
        Description = $"Measure {what} as they are, not in the within-class-whitened space (the default; see docs/METHOD.md)",
    };

    /// <summary>Every drop score and what it measures, for help texts.</summary>
    public static string DropScoreList() => string.Join("; ", DropScore.All.Select(s => $"{s.Name} ({s.Measures})"));
}
