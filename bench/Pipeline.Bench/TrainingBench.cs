using System.Diagnostics;
using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// Training throughput (img/s) of the demo model (tiny, 64x64) and r18 at 112x112, with the
/// achieved GFLOP/s (3 x analytic forward FLOPs per image: forward + two backward products)
/// next to a measured float32 matmul peak of this machine.
/// Usage: train [--classes N] [--runs R]
/// </summary>
public sealed class TrainingBench : IBenchmark
{
    public string Name => "train";
    public string Description => "training img/s of tiny@64 and r18@112, GFLOP/s vs matmul peak";

    public Task<int> RunAsync(string[] args)
    {
        int classes = BenchArgs.Int(args, "--classes", 500);
        Console.WriteLine($"threads: {TorchRuntime.Threads}");
        double peak = TorchRuntime.OnOwnThread(MatmulPeak);
        Console.WriteLine($"matmul peak (2048^2 float32): {peak:F1} GFLOP/s");
        // tiny@64: several short runs, the median of their second epochs (identical runs on a shared VM
        // differ widely; bench/RESULTS.md#training-speed).
        int runs = BenchArgs.Int(args, "--runs", 7);
        var tiny = Random(1280, 64, classes);
        var list = Enumerable.Range(0, runs).Select(_ => SecondEpochImagesPerSecond("tiny", 64, tiny)).ToList();
        double tinyGflop = GflopPerImage("tiny", 64);
        double median = list.Order().ElementAt(list.Count / 2);
        Console.WriteLine($"tiny@64 batch 64 K=3 {classes} classes: median {median:F1} img/s over {list.Count} runs " +
            $"({string.Join(" ", list.Select(v => v.ToString("F0")))}), {tinyGflop * median:F1} GFLOP/s ({tinyGflop * median / peak:P0} of matmul peak)");

        double r18 = SecondEpochImagesPerSecond("r18", 112, Random(256, 112, classes)), r18Gflop = GflopPerImage("r18", 112);
        Console.WriteLine($"r18@112 batch 64 K=3 {classes} classes: {r18:F1} img/s, " +
            $"{r18Gflop * r18:F1} GFLOP/s ({r18Gflop * r18 / peak:P0} of matmul peak), {r18Gflop / 3:F3} GFLOP forward per image");
        return Task.FromResult(0);
    }

    /// <summary>Two epochs of K=3 training, batch 64; the second is timed (warm caches and allocator).</summary>
    private static double SecondEpochImagesPerSecond(string backbone, int size, ImageSet data)
    {
        var options = new TrainingOptions { Backbone = backbone, InputSize = size, Epochs = 2, BatchSize = 64, SubCenters = 3, Device = "cpu", WarmupEpochs = 0 };
        var result = FaceTrainer.Train(data, options);
        result.Model.Dispose();
        return result.History[^1].ImagesPerSecond;
    }

    /// <summary>3 x the analytic forward FLOPs of one image (forward + the two backward products), in GFLOP.</summary>
    private static double GflopPerImage(string backbone, int size) => 3 * BackboneFlops.Forward(BackboneSpec.Create(backbone, size)) / 1e9;

    private static double MatmulPeak()
    {
        using var a = randn(2048, 2048);
        using var b = randn(2048, 2048);
        for (int i = 0; i < 2; i++) a.mm(b).Dispose();
        var sw = Stopwatch.StartNew();
        int n = 0;
        while (sw.Elapsed.TotalSeconds < 3) { a.mm(b).Dispose(); n++; }
        return n * 2.0 * 2048 * 2048 * 2048 / sw.Elapsed.TotalSeconds / 1e9;
    }

    private static ImageSet Random(int count, int size, int classes)
    {
        var rng = new Random(1);
        var pixels = new byte[count * size * size * 3];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        return new ImageSet(size, pixels, labels, labels.Select((_, i) => $"x/{i}").ToArray(),
            Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray());
    }

}

/// <summary>Multiply-adds x 2 of an IResNet forward pass, counted from its shape (convs and the FC).</summary>
public static class BackboneFlops
{
    public static double Forward(BackboneSpec spec)
    {
        double flops = 0;
        int hw = spec.InputSize / spec.StemStride;
        int cin = spec.Width(0);
        flops += Conv(3, cin, 3, hw);
        for (int s = 0; s < 4; s++)
        {
            int planes = spec.Width(s);
            for (int b = 0; b < spec.Layers[s]; b++)
            {
                int outHw = b == 0 ? hw / 2 : hw;
                flops += Conv(cin, planes, 3, hw) + Conv(planes, planes, 3, outHw);
                if (b == 0) flops += Conv(cin, planes, 1, outHw);
                cin = planes; hw = outHw;
            }
        }
        flops += 2.0 * cin * hw * hw * spec.EmbeddingSize;
        return flops;
    }

    private static double Conv(int cin, int cout, int k, int outHw) => 2.0 * cin * cout * k * k * outHw * outHw;
}
