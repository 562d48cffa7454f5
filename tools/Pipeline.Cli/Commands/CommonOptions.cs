using System.CommandLine;

namespace Pipeline.Cli.Commands;

/// <summary>Options several verbs share, defined once so their names and help stay the same.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print a machine-readable JSON summary on stdout" };

    public static Option<string> Device() => new("--device")
    {
        Description = "auto | cpu | cuda (auto takes CUDA when present)",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string> Model() => new("--model") { Description = "Model directory (written by `pipeline train`)", Required = true };

    public static Option<string> Data(string what) => new("--data") { Description = what, Required = true };

    public static Option<bool> NoWhitening(string what) => new("--no-whitening")
    {
        Description = $"Measure {what} as they are, not in the within-class-whitened space (the default; see bench/RESULTS.md)",
    };
}
