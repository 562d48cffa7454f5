using System.Globalization;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// A noisy real set with known truth from public face photos extracted beforehand (this downloads nothing): either
/// issue 17's CelebA snapshot (--celeb DIR holding Celeb/ and identity_CelebA.txt) or any folder of identity folders
/// (--folders DIR, e.g. Face-Applications' aligned crops). Identities with at least --min-photos photos (at most
/// --max-photos each) form the set; a share --closed of it is filed under another identity of the set and --open comes
/// from identities outside it; --holdout-identities further identities go to OUT/holdout/ with an LFW pairs.txt.
/// Each photo is written as it is (--crop 0: raw photos, for detection and alignment) or as a centre square crop of
/// --crop x its shorter side resized to --size. Writes OUT/train/&lt;filed identity&gt;/&lt;image&gt; and OUT/truth.csv in the
/// format of `pipeline synth`. The photos are research-only: keep the output out of the repository.
/// </summary>
public sealed class RealNoisySetBench : IBenchmark
{
    private const int Folds = 10;

    public string Name => "real-noisy-set";
    public string Description => "a noisy real face set with truth.csv (and a holdout with pairs.txt) from extracted public photos";

    public Task<int> RunAsync(string[] args)
    {
        string output = BenchArgs.Required(args, "--out");
        int identities = BenchArgs.Int(args, "--identities", 60), size = BenchArgs.Int(args, "--size", 112);
        int minPhotos = BenchArgs.Int(args, "--min-photos", 10), maxPhotos = BenchArgs.Int(args, "--max-photos", int.MaxValue);
        int holdoutIdentities = BenchArgs.Int(args, "--holdout-identities", 0), pairsPerFold = BenchArgs.Int(args, "--pairs-per-fold", 50);
        double closed = BenchArgs.Double(args, "--closed") ?? 0.25, open = BenchArgs.Double(args, "--open") ?? 0.10, crop = BenchArgs.Double(args, "--crop") ?? 0.6;
        var rng = new Random(BenchArgs.Int(args, "--seed", 22));
        var byIdentity = BenchArgs.Text(args, "--folders") is { } folders ? IdentityFolders(folders)
            : CelebIdentities(BenchArgs.Text(args, "--celeb") ?? throw new ArgumentException("--celeb DIR or --folders DIR is required"));

        var eligible = byIdentity.Where(kv => kv.Value.Count >= minPhotos).Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal)
            .OrderBy(_ => rng.Next()).ToList();
        if (eligible.Count < identities + holdoutIdentities)
            throw new ArgumentException($"{eligible.Count} identities have >= {minPhotos} photos; {identities} + {holdoutIdentities} holdout asked");
        var inSet = eligible.Take(identities).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var holdout = eligible.Skip(identities).Take(holdoutIdentities).OrderBy(k => k, StringComparer.Ordinal).ToList();
        List<string> Photos(string identity) => byIdentity[identity].OrderBy(_ => rng.Next()).Take(maxPhotos).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var outside = byIdentity.Keys.Except(inSet).Except(holdout).OrderBy(k => k, StringComparer.Ordinal)
            .SelectMany(k => Photos(k).Select(f => (File: f, Identity: k))).OrderBy(_ => rng.Next()).ToList();

        // Final size N = in-set photos T + open O with O = open x N; closed x N of the in-set photos are refiled.
        var photos = inSet.SelectMany(k => Photos(k).Select(f => (File: f, Identity: k))).ToList();
        int openCount = Math.Min(outside.Count, (int)Math.Round(open * photos.Count / (1 - open)));
        int total = photos.Count + openCount, closedCount = (int)Math.Round(closed * total);
        var refiled = photos.Select((_, i) => i).OrderBy(_ => rng.Next()).Take(closedCount).ToHashSet();
        string Other(string own) { string k; do k = inSet[rng.Next(inSet.Count)]; while (k == own); return k; }
        string Folder(string identity) => identity.Replace(' ', '_');

        var rows = new List<string> { "path,filed_identity,true_identity,noise" };
        int written = 0;
        void Write(string file, string filed, string truth, string noise)
        {
            var rel = $"train/{Folder(filed)}/{written++:D5}_{Path.GetFileNameWithoutExtension(file)}{(crop > 0 ? ".jpg" : Path.GetExtension(file))}";
            Export(file, Path.Combine(output, rel), crop, size);
            rows.Add($"{rel},{Folder(filed)},{Folder(truth)},{noise}");
        }
        for (int i = 0; i < photos.Count; i++)
        {
            var (file, identity) = photos[i];
            if (refiled.Contains(i)) Write(file, Other(identity), identity, "closed");
            else Write(file, identity, identity, "clean");
        }
        foreach (var (file, identity) in outside.Take(openCount)) Write(file, inSet[rng.Next(inSet.Count)], identity, "open");
        File.WriteAllLines(Path.Combine(output, "truth.csv"), rows);

        int pairs = holdout.Count > 0 ? WriteHoldout(holdout.ToDictionary(Folder, Photos), output, crop, size, pairsPerFold, rng) : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{total} photos of {inSet.Count} identities: {closedCount} closed-set and {openCount} open-set noise ({(double)(closedCount + openCount) / total:P1}); "
            + $"holdout {holdout.Count} identities, {pairs} pairs; {output}"));
        return Task.FromResult(0);
    }

    /// <summary>The holdout's images as &lt;name&gt;/&lt;name&gt;_&lt;kkkk&gt;.jpg and a 10-fold pairs.txt over them; returns the pair count.</summary>
    private static int WriteHoldout(Dictionary<string, List<string>> holdout, string output, double crop, int size, int perFold, Random rng)
    {
        var names = holdout.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        foreach (var name in names)
            for (int k = 0; k < holdout[name].Count; k++)
                Export(holdout[name][k], Path.Combine(output, "holdout", Datasets.PairsFile.ImagePath(name, k + 1)), crop, size);
        var used = new HashSet<string>();
        var folds = new List<Datasets.PairsFold>();
        for (int f = 0; f < Folds; f++)
        {
            var matched = new List<Datasets.MatchedPair>();
            var mismatched = new List<Datasets.MismatchedPair>();
            for (int guard = 0; matched.Count < perFold && guard < 100_000; guard++)
            {
                var name = names[rng.Next(names.Count)];
                int n = holdout[name].Count, a = rng.Next(n) + 1, b = rng.Next(n) + 1;
                if (a < b && used.Add($"{name} {a} {b}")) matched.Add(new(name, a, b));
            }
            for (int guard = 0; mismatched.Count < perFold && guard < 100_000; guard++)
            {
                string x = names[rng.Next(names.Count)], y = names[rng.Next(names.Count)];
                int a = rng.Next(holdout[x].Count) + 1, b = rng.Next(holdout[y].Count) + 1;
                if (string.CompareOrdinal(x, y) < 0 && used.Add($"{x} {a} {y} {b}")) mismatched.Add(new(x, a, y, b));
            }
            if (matched.Count < perFold || mismatched.Count < perFold) throw new ArgumentException("too few holdout photos for the pairs asked");
            folds.Add(new Datasets.PairsFold(matched, mismatched));
        }
        using var writer = new StreamWriter(Path.Combine(output, "holdout", "pairs.txt"));
        Datasets.PairsFile.Write(writer, folds);
        return 2 * perFold * Folds;
    }

    /// <summary>CelebA: the list names all 202,599 images; the snapshot holds 6,300 of them.</summary>
    private static Dictionary<string, List<string>> CelebIdentities(string celeb)
    {
        var listPath = Path.Combine(celeb, "identity_CelebA.txt");
        if (!File.Exists(listPath)) throw new FileNotFoundException($"{listPath}: no identity list (extract Celeb/ and identity_CelebA.txt there)");
        var present = Directory.EnumerateFiles(Path.Combine(celeb, "Celeb")).Select(Path.GetFileName).ToHashSet();
        return File.ReadLines(listPath).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2 && present.Contains(p[0])).GroupBy(p => "celeb" + p[1], p => Path.Combine(celeb, "Celeb", p[0]))
            .ToDictionary(g => g.Key, g => g.ToList());
    }

    private static Dictionary<string, List<string>> IdentityFolders(string root) =>
        Directory.EnumerateDirectories(root).ToDictionary(d => Path.GetFileName(d)!,
            d => Directory.EnumerateFiles(d).Where(f => !Path.GetFileName(f).StartsWith('.')).OrderBy(f => f, StringComparer.Ordinal).ToList());

    /// <summary>The photo as it is (crop 0), or the centred square of side crop x the shorter side resized to size x size as a JPEG.</summary>
    private static void Export(string from, string to, double crop, int size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (crop <= 0)
        {
            File.Copy(from, Path.ChangeExtension(to, Path.GetExtension(from)), overwrite: true);
            return;
        }
        using var photo = SKBitmap.Decode(from) ?? throw new InvalidDataException($"{from}: not a decodable image");
        int side = (int)Math.Round(crop * Math.Min(photo.Width, photo.Height));
        var source = SKRectI.Create((photo.Width - side) / 2, (photo.Height - side) / 2, side, side);
        using var face = new SKBitmap(size, size);
        using (var canvas = new SKCanvas(face))
        using (var image = SKImage.FromBitmap(photo))
            canvas.DrawImage(image, SKRect.Create(source.Left, source.Top, source.Width, source.Height), SKRect.Create(0, 0, size, size),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var data = face.Encode(SKEncodedImageFormat.Jpeg, 92);
        using var file = File.Create(to);
        data.SaveTo(file);
    }
}
