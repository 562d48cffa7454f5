using System.Diagnostics;
using Pipeline.Face.Purification;

namespace Pipeline.Bench;

/// <summary>
/// The class-margin score's cost at scale: every sample's angle to its own class mean and to the nearest
/// other class's, for one shard of samples against many classes (random unit vectors; the arithmetic does
/// not depend on the values), and the within-class whitening's fit and map for the same shard. The Purifier's
/// deciding instance does this for every shard of the dataset.
/// Usage: purify-scale [--samples 4096] [--classes 20000] [--dim 512] [--runs 3]
/// </summary>
public sealed class PurifyScaleBench : IBenchmark
{
    public string Name => "purify-scale";
    public string Description => "class-margin angles of a shard against many classes: time and multiply-adds per second";

    public Task<int> RunAsync(string[] args)
    {
        int n = BenchArgs.Int(args, "--samples", 4096);
        int classes = BenchArgs.Int(args, "--classes", 20_000);
        int dim = BenchArgs.Int(args, "--dim", 512);
        int runs = BenchArgs.Int(args, "--runs", 3);
        var rng = new Random(1);
        var embeddings = UnitRows(rng, n, dim);
        var centers = UnitRows(rng, classes, dim);
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray();
        Console.WriteLine($"{n} samples x {classes} classes x {dim}: {(double)n * classes * dim / 1e9:F1} G multiply-adds a run");
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            var angles = EmbeddingAngles.AnglesToCenters(embeddings, dim, labels, centers);
            double s = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  run {r + 1}: {s:F2} s, {(double)n * classes * dim / s / 1e9:F1} G multiply-adds/s (class margin of sample 0: {angles.ClassMargin(0):F3})");
        }
        // The within-class whitening's share of a shard: its scatter (n x dim^2, float64), the eigen-decomposition of a
        // dim x dim matrix against the class sums (classes x dim^2), and the map applied (n x dim^2).
        var data = EmbeddingChunks.InMemory(embeddings, dim, labels, classes);
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            var whitening = WithinClassWhitening.Fit(data, _ => true)!;
            double fit = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var mapped = whitening.Apply(embeddings);
            Console.WriteLine($"  whitening, run {r + 1}: fit {fit:F2} s, apply {clock.Elapsed.TotalSeconds:F2} s (first value {mapped[0]:F4})");
        }
        return Task.FromResult(0);
    }

    private static float[] UnitRows(Random rng, int rows, int dim)
    {
        var v = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double norm = 0;
            for (int d = 0; d < dim; d++) { float x = (float)(rng.NextDouble() * 2 - 1); v[r * dim + d] = x; norm += x * x; }
            float inv = (float)(1 / Math.Sqrt(norm));
            for (int d = 0; d < dim; d++) v[r * dim + d] *= inv;
        }
        return v;
    }
}
