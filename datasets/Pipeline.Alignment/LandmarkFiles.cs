using System.Globalization;
using Pipeline.Datasets;

namespace Pipeline.Alignment;

/// <summary>
/// Five points per photo shipped with a drop, for the <c>landmarks</c> face alignment: a file at the top of the dataset
/// (its folder, or its zip or tar) in one of two formats, told apart by its name:
/// <list type="bullet">
/// <item>CelebA's <c>list_landmarks</c> text (<c>landmarks.txt</c>, or CelebA's own names): an optional count line and
/// header line, then <c>name x1 y1 .. x5 y5</c>, the points left eye, right eye, nose, left and right mouth corner;</item>
/// <item>insightface's <c>.lst</c> (<c>landmarks.lst</c>): tab-separated <c>aligned path label x0 y0 x1 y1</c> (the box)
/// then the ten coordinates as five x then five y (face2rec's layout); a line without them has no landmarks.</item>
/// </list>
/// Points are in the upright photo's pixels. A photo is matched by its path in the dataset, else by its
/// <c>identity/file</c> tail when only one line ends so, else by a line that names its file alone (CelebA's keys).
/// </summary>
public sealed class LandmarkFiles
{
    /// <summary>The names looked for at the top of a dataset, in this order.</summary>
    public static IReadOnlyList<string> Names => DatasetFiles.Landmarks;

    private readonly Dictionary<string, PointF[]> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PointF[]?> _byTail = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PointF[]?> _byName = new(StringComparer.Ordinal);

    /// <summary>The file the points came from, by its name in the dataset (not where it was unpacked), for reasons and messages.</summary>
    public string File { get; }

    public int Count => _byPath.Count;

    private LandmarkFiles(string file) => File = file;

    /// <summary>
    /// Reads the landmarks file at the top of <paramref name="input"/>, a dataset's folder or archive (zip, tar); throws naming
    /// the names looked for when there is none.
    /// </summary>
    public static LandmarkFiles Load(string input)
    {
        if (!Directory.Exists(input)) return FromArchive(input);
        foreach (var name in Names)
        {
            var file = Path.Combine(input, name);
            if (System.IO.File.Exists(file)) return Parse(name, System.IO.File.ReadLines(file));
        }
        throw None(input, "");
    }

    /// <summary>
    /// An archive's landmarks file, found in a pass of its own before the packer's: the packer needs a photo's points when
    /// it meets the photo, and a tar may hold the file after its photos. The pass stops at the first name looked for.
    /// </summary>
    private static LandmarkFiles FromArchive(string archive)
    {
        var source = DatasetSource.Open(archive);
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var refused = new List<string>();
        foreach (var entry in source.Entries())
        {
            if (entry.Path == source.Name && entry.Rejection is { } whole) refused.Add(whole);
            if (!Names.Contains(entry.Path, StringComparer.Ordinal)) continue;
            if (!entry.IsSidecar)
            {
                refused.Add($"{entry.Path}: {entry.Rejection}");
                continue;
            }
            found[entry.Path] = entry.ReadBytes(SourceOptions.Default.MaxEntryBytes)
                ?? throw new InvalidDataException($"{source.Name}/{entry.Path}: over {SourceOptions.Default.MaxEntryBytes} bytes (SourceOptions.MaxEntryBytes)");
            if (entry.Path == Names[0]) break;
        }
        foreach (var name in Names)
            if (found.TryGetValue(name, out var bytes)) return Parse(name, Lines(bytes));
        throw None(archive, refused.Count == 0 ? "" : $" ({string.Join("; ", refused)})");
    }

    private static FileNotFoundException None(string input, string why) =>
        new($"{input}: face alignment 'landmarks' needs a landmarks file at the top of the dataset ({string.Join(", ", Names)}); none is there{why}");

    private static IEnumerable<string> Lines(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false));
        while (reader.ReadLine() is { } line) yield return line;
    }

    /// <summary>Parses <paramref name="lines"/>; <paramref name="file"/> names the format (.lst or not) and the errors.</summary>
    public static LandmarkFiles Parse(string file, IEnumerable<string> lines)
    {
        var table = new LandmarkFiles(file);
        bool lst = file.EndsWith(".lst", StringComparison.OrdinalIgnoreCase);
        int n = 0;
        foreach (var raw in lines)
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var (path, points) = lst ? ParseLst(line, file, n) : ParseCeleb(line, file, n);
            if (path is not null) table.Add(path, points);
        }
        if (table.Count == 0) throw new InvalidDataException($"{file}: no line holds five landmarks");
        return table;
    }

    /// <summary>The photo's points, or null when no line names it.</summary>
    public PointF[]? For(string path)
    {
        path = Normalise(path);
        if (_byPath.TryGetValue(path, out var p)) return p;
        if (_byTail.TryGetValue(Tail(path), out var t) && t is not null) return t;
        return _byName.TryGetValue(Name(path), out var f) ? f : null;
    }

    private void Add(string path, PointF[]? points)
    {
        if (points is null) return;
        path = Normalise(path);
        _byPath[path] = points;
        // A tail shared by two lines matches neither; a bare file name (CelebA's keys) matches that name in any folder.
        _byTail[Tail(path)] = _byTail.ContainsKey(Tail(path)) ? null : points;
        if (!path.Contains('/')) _byName[path] = points;
    }

    private static (string? Path, PointF[]? Points) ParseCeleb(string line, string file, int n)
    {
        var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        // CelebA opens with the line count, then the column names.
        if (n <= 2 && (f.Length == 1 || f.All(x => !double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))) return (null, null);
        if (f.Length != 11)
            throw new InvalidDataException($"{file}:{n}: expected a name and ten coordinates (x y for each of five points), found {f.Length} fields");
        return (f[0], Points(f.AsSpan(1), xThenY: false, file, n));
    }

    private static (string? Path, PointF[]? Points) ParseLst(string line, string file, int n)
    {
        var f = line.Contains('\t') ? line.Split('\t') : line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 3) throw new InvalidDataException($"{file}:{n}: expected 'aligned path label [box landmarks]', found {f.Length} fields");
        if (f.Length < 17) return (f[1], null);
        return (f[1], Points(f.AsSpan(7, 10), xThenY: true, file, n));
    }

    private static PointF[] Points(ReadOnlySpan<string> fields, bool xThenY, string file, int n)
    {
        var v = new float[10];
        for (int i = 0; i < 10; i++)
            if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !float.IsFinite(v[i]))
                throw new InvalidDataException($"{file}:{n}: coordinate {i + 1} '{fields[i]}' is not a number");
        var points = new PointF[5];
        for (int k = 0; k < 5; k++) points[k] = xThenY ? new PointF(v[k], v[5 + k]) : new PointF(v[2 * k], v[2 * k + 1]);
        return points;
    }

    private static string Normalise(string path)
    {
        path = path.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        return path;
    }

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Tail(string path)
    {
        int last = path.LastIndexOf('/');
        if (last <= 0) return path;
        int before = path.LastIndexOf('/', last - 1);
        return path[(before + 1)..];
    }
}
