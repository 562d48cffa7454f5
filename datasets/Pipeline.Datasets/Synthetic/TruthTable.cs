using System.Text;

namespace Pipeline.Datasets;

/// <summary>What an image filed in the synthetic set really is.</summary>
public enum NoiseKind { Clean, Closed, Open, Junk }

/// <summary>One line of truth.csv. <see cref="TrueIdentity"/> is an identity, "outside" or "junk".</summary>
public sealed record TruthRow(string Path, string FiledIdentity, string TrueIdentity, NoiseKind Noise)
{
    public bool IsNoisy => Noise != NoiseKind.Clean;
}

/// <summary>
/// truth.csv of a synthetic set: "path,filed_identity,true_identity,noise", paths relative to the
/// synth output folder ("train/id00003/id00003_0007.jpg"). Only scoring reads it.
/// </summary>
public sealed class TruthTable
{
    public const string Outside = "outside";
    public const string Junk = "junk";
    public const string Header = "path,filed_identity,true_identity,noise";
    private const string TrainPrefix = "train/";

    private readonly Dictionary<string, TruthRow> _byPath;

    public TruthTable(IReadOnlyList<TruthRow> rows)
    {
        Rows = rows;
        _byPath = rows.ToDictionary(r => r.Path, StringComparer.Ordinal);
    }

    public IReadOnlyList<TruthRow> Rows { get; }

    /// <summary>Finds a row by its truth.csv path, or by a path relative to the train folder (as packed datasets name samples).</summary>
    public bool TryGet(string path, out TruthRow row) =>
        _byPath.TryGetValue(path, out row!) || _byPath.TryGetValue(TrainPrefix + path, out row!);

    public TruthRow this[string path] => TryGet(path, out var r) ? r : throw new KeyNotFoundException($"{path}: not in truth.csv");

    public static TruthTable Load(string csvPath)
    {
        using var reader = new StreamReader(csvPath);
        return Parse(reader);
    }

    public static TruthTable Parse(TextReader reader)
    {
        var header = reader.ReadLine();
        if (header?.Trim() != Header) throw new InvalidDataException($"truth.csv header should be '{Header}', got '{header}'");
        var rows = new List<TruthRow>();
        string? line;
        int lineNo = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != 4 || !Enum.TryParse<NoiseKind>(f[3], ignoreCase: true, out var kind))
                throw new InvalidDataException($"truth.csv line {lineNo}: expected 4 fields ending in clean/closed/open/junk, got '{line}'");
            rows.Add(new TruthRow(f[0], f[1], f[2], kind));
        }
        return new TruthTable(rows);
    }

    public void Write(TextWriter writer)
    {
        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        foreach (var r in Rows)
            sb.Append(r.Path).Append(',').Append(r.FiledIdentity).Append(',').Append(r.TrueIdentity).Append(',')
              .Append(r.Noise.ToString().ToLowerInvariant()).Append('\n');
        writer.Write(sb.ToString());
    }
}
