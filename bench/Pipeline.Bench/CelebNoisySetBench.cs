using System.Globalization;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// A noisy real set with known truth from the CelebA photos of issue 17's `matush97/faceRecognition` snapshot (extracted
/// beforehand; this downloads nothing): identities with at least --min-photos photos, a share --closed of the set filed
/// under another identity of the set and --open from identities outside it, each photo a centre square crop (--crop of
/// its shorter side) resized to --size. Writes OUT/train/&lt;filed identity&gt;/&lt;image&gt; and OUT/truth.csv in the format of
/// `pipeline synth`. The photos are research-only: keep the output out of the repository.
/// Usage: celeb-noisy-set --celeb DIR (holding Celeb/ and identity_CelebA.txt) --out DIR [--identities 60] [--closed 0.25]
/// [--open 0.10] [--crop 0.6] [--size 112] [--min-photos 10] [--seed 22]
/// </summary>
public sealed class CelebNoisySetBench : IBenchmark
{
    public string Name => "celeb-noisy-set";
    public string Description => "a noisy centre-cropped set with truth.csv from extracted CelebA photos (issue 17's snapshot)";

    public Task<int> RunAsync(string[] args)
    {
        string celeb = BenchArgs.Required(args, "--celeb"), output = BenchArgs.Required(args, "--out");
        int identities = BenchArgs.Int(args, "--identities", 60), size = BenchArgs.Int(args, "--size", 112), minPhotos = BenchArgs.Int(args, "--min-photos", 10);
        double closed = BenchArgs.Double(args, "--closed") ?? 0.25, open = BenchArgs.Double(args, "--open") ?? 0.10, crop = BenchArgs.Double(args, "--crop") ?? 0.6;
        var rng = new Random(BenchArgs.Int(args, "--seed", 22));
        var listPath = Path.Combine(celeb, "identity_CelebA.txt");
        if (!File.Exists(listPath)) throw new FileNotFoundException($"{listPath}: no identity list (extract Celeb/ and identity_CelebA.txt there)");

        // The list names all 202,599 CelebA images; the snapshot holds 6,300 of them.
        var present = Directory.EnumerateFiles(Path.Combine(celeb, "Celeb")).Select(Path.GetFileName).ToHashSet();
        var byIdentity = File.ReadLines(listPath).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2 && present.Contains(p[0])).GroupBy(p => p[1], p => p[0]).ToDictionary(g => g.Key, g => g.ToList());
        var eligible = byIdentity.Where(kv => kv.Value.Count >= minPhotos).Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var inSet = eligible.OrderBy(_ => rng.Next()).Take(identities).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var outside = byIdentity.Keys.Except(inSet).SelectMany(k => byIdentity[k].Select(f => (File: f, Identity: k))).OrderBy(_ => rng.Next()).ToList();

        // Final size N = in-set photos T + open O with O = open x N; closed x N of the in-set photos are refiled.
        var photos = inSet.SelectMany(k => byIdentity[k].Select(f => (File: f, Identity: k))).ToList();
        int openCount = Math.Min(outside.Count, (int)Math.Round(open * photos.Count / (1 - open)));
        int total = photos.Count + openCount, closedCount = (int)Math.Round(closed * total);
        var refiled = photos.Select((_, i) => i).OrderBy(_ => rng.Next()).Take(closedCount).ToHashSet();
        string Other(string own) { string k; do k = inSet[rng.Next(inSet.Count)]; while (k == own); return k; }

        var rows = new List<string> { "path,filed_identity,true_identity,noise" };
        void Write(string file, string filed, string truth, string noise)
        {
            var rel = $"train/{filed}/{Path.GetFileNameWithoutExtension(file)}.jpg";
            CentreCrop(Path.Combine(celeb, "Celeb", file), Path.Combine(output, rel), crop, size);
            rows.Add($"{rel},{filed},{truth},{noise}");
        }
        for (int i = 0; i < photos.Count; i++)
        {
            var (file, identity) = photos[i];
            if (refiled.Contains(i)) Write(file, Other(identity), identity, "closed");
            else Write(file, identity, identity, "clean");
        }
        foreach (var (file, identity) in outside.Take(openCount)) Write(file, inSet[rng.Next(inSet.Count)], identity, "open");
        File.WriteAllLines(Path.Combine(output, "truth.csv"), rows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{total} photos of {inSet.Count} identities: {closedCount} closed-set and {openCount} open-set noise ({(double)(closedCount + openCount) / total:P1}); {output}"));
        return Task.FromResult(0);
    }

    /// <summary>The centred square of side <paramref name="crop"/> x the shorter side, resized to size x size, as a JPEG.</summary>
    private static void CentreCrop(string from, string to, double crop, int size)
    {
        using var photo = SKBitmap.Decode(from) ?? throw new InvalidDataException($"{from}: not a decodable image");
        int side = (int)Math.Round(crop * Math.Min(photo.Width, photo.Height));
        var source = SKRectI.Create((photo.Width - side) / 2, (photo.Height - side) / 2, side, side);
        using var face = new SKBitmap(size, size);
        using (var canvas = new SKCanvas(face))
        using (var image = SKImage.FromBitmap(photo))
            canvas.DrawImage(image, SKRect.Create(source.Left, source.Top, source.Width, source.Height), SKRect.Create(0, 0, size, size),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        using var data = face.Encode(SKEncodedImageFormat.Jpeg, 92);
        using var file = File.Create(to);
        data.SaveTo(file);
    }
}
