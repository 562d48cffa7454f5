using System.Diagnostics;
using System.Globalization;
using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.Face.Embedding;
using Pipeline.Face.Training;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// Training throughput (img/s) of tiny@64 (the demo model), r18@112 and r50@112, with the achieved GFLOP/s
/// (3 x analytic forward FLOPs per image: forward + two backward products) next to a measured float32 matmul
/// peak of this machine, and the embedding throughput of each trained model (image + mirror, as the pipeline
/// embeds). --inputs writes each model's images and labels for bench/training_reference.py (PyTorch, same steps).
/// Usage: train [--models tiny@64:1280,r18@112:256,r50@112:128] [--classes N] [--runs R] [--inputs DIR] [--json PATH]
/// </summary>
public sealed class TrainingBench : IBenchmark
{
    private const int Batch = 64;

    public string Name => "train";
    public string Description => "training and embedding img/s of tiny@64, r18@112, r50@112; GFLOP/s vs matmul peak";

    public Task<int> RunAsync(string[] args)
    {
        int classes = BenchArgs.Int(args, "--classes", 500), runs = BenchArgs.Int(args, "--runs", 5);
        var models = (BenchArgs.Text(args, "--models") ?? "tiny@64:1280,r18@112:256,r50@112:128").Split(',').Select(ModelRun.Parse).ToList();
        string? inputs = BenchArgs.Text(args, "--inputs");
        var figures = new BenchFigures(args);
        Console.WriteLine($"threads: {TorchRuntime.Threads}, batch {Batch}, K=3, {classes} classes, {runs} runs a model");
        figures.Add("threads", TorchRuntime.Threads);
        var peaks = Enumerable.Range(0, runs).Select(_ => TorchRuntime.OnOwnThread(MatmulPeak)).ToList();
        figures.AddAll("matmul_peak.gflop_s", peaks);
        double peak = Median(peaks);
        Console.WriteLine($"matmul peak (2048^2 float32): median {peak:F1} GFLOP/s ({Runs(peaks)})");

        foreach (var m in models)
        {
            var (pixels, labels) = RandomInputs(m.Images, m.Size, classes);
            if (inputs is not null) WriteInputs(Path.Combine(inputs, $"{m.Key}.bin"), m.Size, classes, pixels, labels);
            var data = Set(m.Size, pixels, labels, classes);
            double gflop = GflopPerImage(m.Backbone, m.Size);
            var trained = new List<double>();
            var embedded = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                var (train, embed) = SecondEpochAndEmbedding(m.Backbone, m.Size, data);
                trained.Add(train);
                embedded.Add(embed);
            }
            figures.Add($"train.{m.Key}.gflop_per_image", gflop);
            figures.AddAll($"train.{m.Key}.img_s", trained);
            figures.AddAll($"train.{m.Key}.gflop_s", trained.Select(v => v * gflop));
            figures.AddAll($"embed.{m.Key}.img_s", embedded);
            double median = Median(trained);
            Console.WriteLine($"{m.Key} ({m.Images} images, second epoch timed): median {median:F1} img/s ({Runs(trained)}), " +
                $"{gflop * median:F1} GFLOP/s ({gflop * median / peak:P0} of matmul peak), {gflop / 3:F3} GFLOP forward per image; " +
                $"embedding median {Median(embedded):F1} img/s ({Runs(embedded)})");
        }
        figures.Save();
        return Task.FromResult(0);
    }

    /// <summary>"tiny@64:1280": backbone, input size, images (two epochs of them; whole batches of 64).</summary>
    private sealed record ModelRun(string Backbone, int Size, int Images)
    {
        public string Key => $"{Backbone}@{Size}";

        public static ModelRun Parse(string text)
        {
            var parts = text.Split('@', ':');
            if (parts.Length is < 2 or > 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int size))
                throw new ArgumentException($"--models: '{text}' is not backbone@size[:images]");
            int images = parts.Length == 3 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : Batch * 2;
            if (images < Batch || images % Batch != 0) throw new ArgumentException($"--models: '{text}': images must be a multiple of {Batch}");
            BackboneSpec.Create(parts[0], size); // refuses unknown names and sizes now, not after the first model
            return new ModelRun(parts[0], size, images);
        }
    }

    /// <summary>Two epochs of K=3 training, batch 64; the second is timed (warm caches and allocator). Then the set embedded once.</summary>
    private static (double Train, double Embed) SecondEpochAndEmbedding(string backbone, int size, ImageSet data)
    {
        var options = new TrainingOptions { Backbone = backbone, InputSize = size, Epochs = 2, BatchSize = Batch, SubCenters = 3, Device = "cpu", WarmupEpochs = 0 };
        var result = FaceTrainer.Train(data, options);
        using var model = result.Model;
        var clock = Stopwatch.StartNew();
        new Embedder(model, batchSize: Batch).Embed(data);
        return (result.History[^1].ImagesPerSecond, data.Count / clock.Elapsed.TotalSeconds);
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
        while (sw.Elapsed.TotalSeconds < 2) { a.mm(b).Dispose(); n++; }
        return n * 2.0 * 2048 * 2048 * 2048 / sw.Elapsed.TotalSeconds / 1e9;
    }

    private static (byte[] Pixels, int[] Labels) RandomInputs(int count, int size, int classes)
    {
        var rng = new Random(1);
        var pixels = new byte[count * size * size * 3];
        rng.NextBytes(pixels);
        return (pixels, Enumerable.Range(0, count).Select(i => i % classes).ToArray());
    }

    private static ImageSet Set(int size, byte[] pixels, int[] labels, int classes) =>
        new(size, pixels, labels, labels.Select((_, i) => $"x/{i}").ToArray(), Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray());

    /// <summary>int32 count, size, classes; int32 labels; then the HWC uint8 pixels of every image.</summary>
    private static void WriteInputs(string path, int size, int classes, byte[] pixels, int[] labels)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        foreach (var v in new[] { labels.Length, size, classes }.Concat(labels)) file.Write(BitConverter.GetBytes(v));
        file.Write(pixels);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Runs(List<double> values) => $"runs {string.Join(" ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}";
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
