using System.Text.Json;

namespace Pipeline.Bench;

/// <summary>
/// A benchmark's figures for machines: every repeat's value under a key (e.g. "train.tiny@64.img_s"),
/// written as one JSON object to the file named by `--json PATH` (bench/run reads them; people read stdout).
/// </summary>
internal sealed class BenchFigures(string[] args)
{
    private readonly string? _path = BenchArgs.Text(args, "--json");
    private readonly SortedDictionary<string, List<double>> _values = new(StringComparer.Ordinal);

    public void Add(string key, double value)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        list.Add(value);
    }

    public void AddAll(string key, IEnumerable<double> values)
    {
        foreach (var v in values) Add(key, v);
    }

    /// <summary>Writes the figures when `--json PATH` was given.</summary>
    public void Save()
    {
        if (_path is null) return;
        File.WriteAllText(_path, JsonSerializer.Serialize(_values, new JsonSerializerOptions { WriteIndented = true }));
        Console.Error.WriteLine($"figures written to {_path}");
    }
}
