using System.Diagnostics;
using System.Globalization;
using Pipeline.Datasets;
using Pipeline.Face.Inversion;
using Pipeline.Face.Models;

namespace Pipeline.Bench;

/// <summary>
/// The inversion recipe ingredient by ingredient: for each row, the same identities and seeds are
/// inverted by --model and checked by --check-model (trained apart); the generating cosine, the check
/// cosine, smoothness and time per row, and a PNG grid of real samples beside the paper's and the last row's faces.
/// Usage: inversion --model DIR --check-model DIR --data PACKED_DIR [--identities a,b,c] [--count 3] [--batch 2] [--steps S]
///   [--rows name=key:value,key:value;...] [--grid out.png]
/// Row keys: steps lr id bn tv jitter zoom pixelscale levels firstbn cosine noise (each row starts from the paper's recipe).
/// </summary>
public sealed class InversionBench : IBenchmark
{
    public string Name => "inversion";
    public string Description => "inversion recipes: generating and check-model cosine, smoothness, time; a grid PNG";

    /// <summary>Each ingredient added to the one before, from the paper's recipe to the shipped one.</summary>
    private const string DefaultRows =
        "paper=;" +
        "gentle start=noise:0.1,lr:0.05;" +
        "+ coarse-to-fine=noise:0.1,lr:0.05,levels:2;" +
        "+ pixels at half resolution=noise:0.1,lr:0.05,levels:2,pixelscale:2;" +
        "+ jitter and zoom=noise:0.1,lr:0.05,levels:2,pixelscale:2,jitter:2,zoom:0.1,steps:200;" +
        "+ pixels at a quarter of the resolution, 300 steps (shipped: smooth)=smooth;" +
        "+ first-layer prior x10, cosine schedule=noise:0.1,lr:0.05,levels:2,pixelscale:2,jitter:2,zoom:0.1,firstbn:10,cosine:1;" +
        "+ twice the steps=noise:0.1,lr:0.05,levels:2,pixelscale:2,jitter:2,zoom:0.1,steps:400";

    public Task<int> RunAsync(string[] args)
    {
        using var model = FaceModel.Load(BenchArgs.Required(args, "--model"));
        using var checker = FaceModel.Load(BenchArgs.Required(args, "--check-model"));
        using var data = DatasetLoader.Load(BenchArgs.Required(args, "--data"));
        int count = BenchArgs.Int(args, "--count", 3), batch = BenchArgs.Int(args, "--batch", 2);
        var identities = BenchArgs.Text(args, "--identities")?.Split(',') ?? model.Info.Identities.Where((_, i) => i % 37 == 7).Take(count).ToArray();
        int? steps = BenchArgs.Text(args, "--steps") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null;
        var rows = ParseRows(BenchArgs.Text(args, "--rows") ?? DefaultRows);

        var real = RealSmoothness(data, model.Info.Backbone.InputSize);
        Console.WriteLine($"identities {string.Join(", ", identities)}; batch {batch}; real faces' smoothness {real:F1} grey levels at {model.Info.Backbone.InputSize} px");
        var realCheck = identities.SelectMany(id =>
        {
            int label = data.Identities.ToList().IndexOf(id);
            var rows = Enumerable.Range(0, data.Count).Where(i => data.Labels[i] == label).Take(10).ToArray();
            return InversionCheck.ToIdentity(checker, Resized(data, rows, checker.Info.Backbone.InputSize), rows.Length, checker.Info.Backbone.InputSize, id);
        }).ToList();
        Console.WriteLine($"real samples of these identities (up to 10 each, noisy labels included), by the check model: cosine {realCheck.Average(c => c.Cosine):F3}, "
            + $"rank 1 for {realCheck.Count(c => c.Rank == 1)} of {realCheck.Count}, median rank {Median(realCheck.Select(c => (double)c.Rank))} of {checker.Info.Identities.Count}");
        Console.WriteLine("| recipe | steps | cosine (generating model) | cosine (check model) | check model's rank of the identity (median; rank 1) | smoothness | s / identity |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var faces = new Dictionary<string, List<InversionResult>>();
        foreach (var (name, options0) in rows)
        {
            var options = options0 with { Batch = batch, Steps = steps ?? options0.Steps };
            var results = new List<InversionResult>();
            var check = new List<CheckedFace>();
            var clock = Stopwatch.StartNew();
            foreach (var id in identities)
            {
                var r = FaceInverter.ToIdentity(model, id, options);
                results.Add(r);
                check.AddRange(InversionCheck.ToIdentity(checker, r, id));
            }
            faces[name] = results;
            Console.WriteLine($"| {name} | {options.Steps} | {results.SelectMany(r => r.Cosine).Average():F3} | {check.Average(c => c.Cosine):F3} | "
                + $"{Median(check.Select(c => (double)c.Rank))}; {check.Count(c => c.Rank == 1)}/{check.Count} | {results.Average(r => r.Smoothness):F1} | {clock.Elapsed.TotalSeconds / identities.Length:F0} |");
        }
        if (BenchArgs.Text(args, "--grid") is { } grid)
        {
            var shown = rows.FirstOrDefault(r => r.Options == InversionOptions.Smooth, rows[^1]).Name;
            WriteGrid(grid, data, identities, faces[rows[0].Name], faces[shown], model.Info.Backbone.InputSize);
            Console.WriteLine($"grid: {grid} (per identity: 3 real samples | {rows[0].Name} | {shown})");
        }
        return Task.FromResult(0);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static List<(string Name, InversionOptions Options)> ParseRows(string spec) =>
        spec.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(row =>
        {
            var (name, body) = (row[..row.IndexOf('=')], row[(row.IndexOf('=') + 1)..]);
            if (InversionOptions.Named.TryGetValue(body, out var named)) return (name, named);
            var o = InversionOptions.Paper;
            foreach (var kv in body.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var (k, v) = (kv[..kv.IndexOf(':')], double.Parse(kv[(kv.IndexOf(':') + 1)..], CultureInfo.InvariantCulture));
                o = k switch
                {
                    "steps" => o with { Steps = (int)v }, "lr" => o with { LearningRate = v }, "bn" => o with { BnWeight = v },
                    "tv" => o with { TvWeight = v }, "zoom" => o with { Zoom = v }, "pixelscale" => o with { PixelScale = (int)v }, "id" => o with { IdentityWeight = v }, "jitter" => o with { Jitter = (int)v }, "levels" => o with { Levels = (int)v },
                    "firstbn" => o with { FirstBnMultiplier = v }, "cosine" => o with { CosineSchedule = v != 0 }, "noise" => o with { InitialNoise = v },
                    _ => throw new ArgumentException($"unknown row key '{k}' in '{row}'"),
                };
            }
            return (name, o);
        }).ToList();

    /// <summary>The same figure on the training photos, at the model's input size: what a face's smoothness looks like.</summary>
    private static double RealSmoothness(ImageSet data, int size)
    {
        var some = Enumerable.Range(0, Math.Min(200, data.Count)).Select(i => i * (data.Count / Math.Min(200, data.Count))).ToArray();
        var pixels = Resized(data, some, size);
        return ImageSmoothness.MeanNeighbourDifference(pixels, some.Length, size);
    }

    private static byte[] Resized(ImageSet data, int[] rows, int size)
    {
        using var subset = data.Subset(rows);
        return data.Size == size ? subset.CopyPixels() : Pipeline.Face.Training.ImageSetResize.To(subset, size).CopyPixels();
    }

    /// <summary>One row per identity: three of its training samples, then the first recipe's faces, then the shipped recipe's (else the last).</summary>
    private static void WriteGrid(string path, ImageSet data, string[] identities, List<InversionResult> first, List<InversionResult> last, int size)
    {
        int perRow = 3 + first[0].Batch + last[0].Batch, width = perRow * size;
        var rgb = new byte[identities.Length * size * width * 3];
        for (int r = 0; r < identities.Length; r++)
        {
            int label = data.Identities.ToList().IndexOf(identities[r]);
            var samples = Enumerable.Range(0, data.Count).Where(i => data.Labels[i] == label).Take(3).ToArray();
            var tiles = new List<byte[]>();
            if (samples.Length > 0)
            {
                var real = Resized(data, samples, size);
                tiles.AddRange(Enumerable.Range(0, samples.Length).Select(i => real[(i * size * size * 3)..((i + 1) * size * size * 3)]));
            }
            while (tiles.Count < 3) tiles.Add(new byte[size * size * 3]);
            foreach (var inv in new[] { first[r], last[r] })
                tiles.AddRange(Enumerable.Range(0, inv.Batch).Select(i => inv.Pixels[(i * size * size * 3)..((i + 1) * size * size * 3)]));
            for (int t = 0; t < tiles.Count; t++)
                for (int y = 0; y < size; y++)
                    tiles[t].AsSpan(y * size * 3, size * 3).CopyTo(rgb.AsSpan(((r * size + y) * width + t * size) * 3, size * 3));
        }
        File.WriteAllBytes(path, RgbPng.Encode(rgb, width, identities.Length * size));
    }
}
