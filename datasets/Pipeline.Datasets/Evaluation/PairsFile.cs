using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>A verification pair as the evaluator uses it: two image paths, same person or not, its fold.</summary>
public sealed record FacePair(string PathA, string PathB, bool Same, int Fold);

/// <summary>Two images of one person ("name n1 n2"; 1-based image numbers).</summary>
public sealed record MatchedPair(string Name, int A, int B);

/// <summary>Images of two people ("name1 n1 name2 n2").</summary>
public sealed record MismatchedPair(string NameA, int A, string NameB, int B);

/// <summary>One fold: its matched lines, then as many mismatched lines.</summary>
public sealed record PairsFold(IReadOnlyList<MatchedPair> Matched, IReadOnlyList<MismatchedPair> Mismatched);

/// <summary>
/// LFW's pairs.txt: a header "folds&lt;TAB&gt;n", then per fold n matched lines and n mismatched lines,
/// tab-separated. Image k of a person is &lt;name&gt;/&lt;name&gt;_&lt;kkkk&gt;.jpg under the image root.
/// </summary>
public static class PairsFile
{
    public static string ImagePath(string name, int number, string extension = "jpg") =>
        $"{name}/{name}_{number.ToString("D4", CultureInfo.InvariantCulture)}.{extension}";

    public static void Write(TextWriter writer, IReadOnlyList<PairsFold> folds)
    {
        if (folds.Count == 0) throw new ArgumentException("no folds");
        int n = folds[0].Matched.Count;
        if (folds.Any(f => f.Matched.Count != n || f.Mismatched.Count != n))
            throw new ArgumentException($"every fold needs {n} matched and {n} mismatched pairs");
        writer.Write($"{folds.Count}\t{n}\n");
        foreach (var fold in folds)
        {
            foreach (var m in fold.Matched) writer.Write($"{m.Name}\t{m.A}\t{m.B}\n");
            foreach (var m in fold.Mismatched) writer.Write($"{m.NameA}\t{m.A}\t{m.NameB}\t{m.B}\n");
        }
    }

    /// <summary>Reads pairs.txt; paths are joined to the folder holding it.</summary>
    public static IReadOnlyList<FacePair> Load(string pairsPath, string extension = "jpg")
    {
        using var reader = new StreamReader(pairsPath);
        return Parse(reader, Path.GetDirectoryName(Path.GetFullPath(pairsPath))!, extension);
    }

    /// <summary>
    /// Parses pairs.txt text. A one-number header ("1100", as pairsDevTrain.txt) means one fold.
    /// <paramref name="imageRoot"/> "" gives paths relative to the image root.
    /// </summary>
    public static IReadOnlyList<FacePair> Parse(TextReader reader, string imageRoot = "", string extension = "jpg")
    {
        var header = reader.ReadLine()?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            ?? throw new InvalidDataException("pairs file is empty");
        int folds = header.Length == 2 ? Int(header[0], 1) : 1;
        int perClass = Int(header[^1], 1);
        var pairs = new List<FacePair>(2 * folds * perClass);
        string Full(string name, int n) => imageRoot.Length == 0 ? ImagePath(name, n, extension) : Path.Combine(imageRoot, ImagePath(name, n, extension));
        string? line;
        int lineNo = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var t = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 0) continue;
            int fold = pairs.Count / (2 * perClass);
            bool shouldMatch = pairs.Count % (2 * perClass) < perClass;
            if (t.Length == 3 && shouldMatch)
                pairs.Add(new FacePair(Full(t[0], Int(t[1], lineNo)), Full(t[0], Int(t[2], lineNo)), true, fold));
            else if (t.Length == 4 && !shouldMatch)
                pairs.Add(new FacePair(Full(t[0], Int(t[1], lineNo)), Full(t[2], Int(t[3], lineNo)), false, fold));
            else
                throw new InvalidDataException($"pairs line {lineNo}: expected a {(shouldMatch ? "matched (name n1 n2)" : "mismatched (name1 n1 name2 n2)")} pair, got '{line}'");
        }
        if (pairs.Count != 2 * folds * perClass)
            throw new InvalidDataException($"pairs file promises {folds} folds x {2 * perClass} pairs, holds {pairs.Count}");
        return pairs;
    }

    private static int Int(string s, int lineNo) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InvalidDataException($"pairs line {lineNo}: '{s}' is not a number");
}
