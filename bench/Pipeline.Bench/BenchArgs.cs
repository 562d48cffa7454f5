using System.Globalization;

namespace Pipeline.Bench;

/// <summary>The benchmarks' `--name value` arguments.</summary>
internal static class BenchArgs
{
    public static string? Text(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static string Required(string[] args, string name) => Text(args, name) ?? throw new ArgumentException($"{name} is required");

    public static int Int(string[] args, string name, int fallback) =>
        Text(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static double? Double(string[] args, string name) =>
        Text(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : null;
}
