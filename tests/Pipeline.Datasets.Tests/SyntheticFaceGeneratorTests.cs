using System.Security.Cryptography;

namespace Pipeline.Datasets.Tests;

public class SyntheticFaceGeneratorTests
{
    private static SyntheticFaceOptions Small(long seed = 5, int parallelism = 2) => new()
    {
        Identities = 8, PerIdentity = 5, ClosedNoise = 0.2, OpenNoise = 0.1, Junk = 0.075,
        HoldoutIdentities = 20, Seed = seed, Parallelism = parallelism,
    };

    private static Dictionary<string, string> Hashes(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void Same_seed_gives_the_same_bytes_whatever_the_parallelism()
    {
        using var dir = new TempDir();
        new SyntheticFaceGenerator(Small(parallelism: 2)).Generate(dir["a"]);
        new SyntheticFaceGenerator(Small(parallelism: 1)).Generate(dir["b"]);
        new SyntheticFaceGenerator(Small(seed: 6)).Generate(dir["c"]);
        var a = Hashes(dir["a"]);
        Assert.Equal(a, Hashes(dir["b"]));
        var c = Hashes(dir["c"]);
        Assert.Equal(a.Keys.Order(), c.Keys.Order());
        Assert.True(a.Count(kv => c[kv.Key] != kv.Value) > a.Count * 0.9);
    }

    [Fact]
    public void Noise_fractions_are_exact_and_truth_matches_the_layout()
    {
        using var dir = new TempDir();
        var options = Small();
        var result = new SyntheticFaceGenerator(options).Generate(dir.Path);
        var truth = TruthTable.Load(dir["truth.csv"]);
        Assert.Equal(40, truth.Rows.Count);
        Assert.Equal((8, 4, 3), SyntheticFaceGenerator.NoiseCounts(options));
        Assert.Equal(8, truth.Rows.Count(r => r.Noise == NoiseKind.Closed));
        Assert.Equal(4, truth.Rows.Count(r => r.Noise == NoiseKind.Open));
        Assert.Equal(3, truth.Rows.Count(r => r.Noise == NoiseKind.Junk));
        Assert.Equal((25, 8, 4, 3), (result.Clean, result.Closed, result.Open, result.Junk));

        var identities = Enumerable.Range(0, 8).Select(i => $"id{i:D5}").ToHashSet();
        foreach (var r in truth.Rows)
        {
            Assert.True(File.Exists(dir[r.Path]), r.Path);
            Assert.Equal(r.FiledIdentity, r.Path.Split('/')[1]);
            switch (r.Noise)
            {
                case NoiseKind.Clean: Assert.Equal(r.FiledIdentity, r.TrueIdentity); break;
                case NoiseKind.Closed: Assert.NotEqual(r.FiledIdentity, r.TrueIdentity); Assert.Contains(r.TrueIdentity, identities); break;
                case NoiseKind.Open: Assert.Equal(TruthTable.Outside, r.TrueIdentity); break;
                case NoiseKind.Junk: Assert.Equal(TruthTable.Junk, r.TrueIdentity); break;
            }
        }
        foreach (var id in identities) Assert.Equal(5, Directory.GetFiles(dir[$"train/{id}"]).Length);
        Assert.True(truth.TryGet("id00000/id00000_0001.jpg", out _));
    }

    [Fact]
    public void Every_image_is_a_valid_jpeg_of_the_requested_size()
    {
        using var dir = new TempDir();
        new SyntheticFaceGenerator(Small() with { Size = 96, HoldoutIdentities = 2, PerIdentity = 3 }).Generate(dir.Path);
        var validator = new ImageValidator(new ValidationOptions { ImageSize = 96 });
        var files = Directory.GetFiles(dir.Path, "*.jpg", SearchOption.AllDirectories);
        Assert.Equal(8 * 3 + 2 * 3, files.Length);
        foreach (var f in files)
        {
            var bytes = File.ReadAllBytes(f);
            Assert.True(validator.Validate(bytes).IsValid, f);
            using var codec = SkiaSharp.SKCodec.Create(new MemoryStream(bytes));
            Assert.Equal(96, codec.Info.Width);
        }
    }

    [Fact]
    public void Holdout_pairs_are_lfw_formatted_identity_disjoint_folds()
    {
        using var dir = new TempDir();
        var result = new SyntheticFaceGenerator(Small()).Generate(dir.Path);
        var text = File.ReadAllLines(dir["holdout/pairs.txt"]);
        Assert.Equal($"10\t{result.PairsPerFold}", text[0]);
        Assert.Equal(20, result.PairsPerFold);
        var pairs = PairsFile.Load(dir["holdout/pairs.txt"]);
        Assert.Equal(10 * 2 * 20, pairs.Count);
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
        var foldOf = new Dictionary<string, int>();
        foreach (var p in pairs)
        {
            Assert.True(File.Exists(p.PathA), p.PathA);
            Assert.True(File.Exists(p.PathB), p.PathB);
            string a = Path.GetFileName(Path.GetDirectoryName(p.PathA))!, b = Path.GetFileName(Path.GetDirectoryName(p.PathB))!;
            Assert.Equal(p.Same, a == b);
            foreach (var id in new[] { a, b })
                Assert.Equal(foldOf.TryAdd(id, p.Fold) ? p.Fold : foldOf[id], p.Fold);
        }
        Assert.Equal(20, foldOf.Count);
        Assert.False(Directory.Exists(dir["train/ho00000"]));
    }

    [Fact]
    public void Existing_output_is_kept_unless_overwrite_is_asked()
    {
        using var dir = new TempDir();
        var options = Small() with { Identities = 2, PerIdentity = 2, HoldoutIdentities = 2, ClosedNoise = 0, OpenNoise = 0, Junk = 0 };
        new SyntheticFaceGenerator(options).Generate(dir.Path);
        Assert.Throws<IOException>(() => new SyntheticFaceGenerator(options).Generate(dir.Path));
        new SyntheticFaceGenerator(options with { Overwrite = true }).Generate(dir.Path);
    }

    [Theory]
    [InlineData(0.6, 0.3, 0.2)]
    [InlineData(-0.1, 0, 0)]
    public void Impossible_noise_fractions_are_refused(double closed, double open, double junk) =>
        Assert.Throws<ArgumentException>(() => new SyntheticFaceGenerator(Small() with { ClosedNoise = closed, OpenNoise = open, Junk = junk }));
}
