using System.Diagnostics;
using System.Security.Cryptography;
using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Training;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// A packed dataset larger than one .NET array (2 GB of pixels), built by repeating the images of a smaller
/// packed set under new paths, then loaded the way the services load it (shards mapped from disk), read in
/// random training batches, resized, and trained on for a few steps; memory is read from /proc.
/// Usage: dataset-scale --from PACKED_DIR --out DIR [--images 80000] [--input 64] [--batches 300] [--train-steps 100]
/// </summary>
public sealed class DatasetScaleBench : IBenchmark
{
    public string Name => "dataset-scale";
    public string Description => "load, batch and train on a packed set over 2 GB (mapped shards); time and memory";

    public Task<int> RunAsync(string[] args) => Task.FromResult(TorchRuntime.OnOwnThread(() => Run(args)));

    private static int Run(string[] args)
    {
        var from = BenchArgs.Required(args, "--from");
        var outDir = BenchArgs.Required(args, "--out");
        int images = BenchArgs.Int(args, "--images", 80_000);
        int input = BenchArgs.Int(args, "--input", 64);
        int batches = BenchArgs.Int(args, "--batches", 300);
        int trainSteps = BenchArgs.Int(args, "--train-steps", 100);

        var clock = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(outDir, DatasetFiles.Manifest)))
        {
            Write(from, outDir, images);
            Console.WriteLine($"wrote {images} images to {outDir} in {clock.Elapsed.TotalSeconds:F1} s");
        }
        Memory("before loading");

        clock.Restart();
        using var set = DatasetLoader.Load(outDir);
        Console.WriteLine($"loaded {set.Count} samples, {set.ClassCount} identities, {set.PixelBytes / 1e9:F2} GB of {set.Size}px pixels " +
                          $"(one array holds at most {Array.MaxLength / 1e9:F2} GB) in {clock.Elapsed.TotalSeconds:F2} s");
        Memory("after loading (mapped)");

        clock.Restart();
        long checksum = 0;
        for (int i = 0; i < set.Count; i++)
        {
            var img = set.Image(i);
            for (int o = 0; o < img.Length; o += 4096) checksum += img[o];
        }
        Console.WriteLine($"every image read in order (a page each 4 KB): {set.Count / clock.Elapsed.TotalSeconds:F0} img/s, " +
                          $"{set.PixelBytes / 1e9 / clock.Elapsed.TotalSeconds:F2} GB/s (checksum {checksum})");
        Memory("after reading in order");

        var rng = new Random(1);
        int batch = 64;
        var idx = new int[batch];
        var flips = new bool[batch];
        clock.Restart();
        for (int b = 0; b < batches; b++)
        {
            for (int k = 0; k < batch; k++) { idx[k] = rng.Next(set.Count); flips[k] = rng.Next(2) == 0; }
            using var x = BatchTensors.Images(set, idx, input, flips, CPU);
        }
        Console.WriteLine($"random batches of {batch} at {input}px, resized per batch: {batches * batch / clock.Elapsed.TotalSeconds:F0} img/s");
        Memory("after the batches");

        clock.Restart();
        var resized = ImageSetResize.ToIfItFits(set, input);
        Console.WriteLine(ReferenceEquals(resized, set)
            ? $"a {input}px copy would take more than {ImageSetResize.MemoryShare:P0} of memory: batches are resized as they are built"
            : $"resized once to {input}px in memory ({resized.PixelBytes / 1e9:F2} GB) in {clock.Elapsed.TotalSeconds:F1} s");
        Memory("after resizing");

        if (trainSteps > 0)
        {
            using var stop = new CancellationTokenSource();
            double imagesPerSecond = 0;
            var options = new TrainingOptions { Epochs = 1, SubCenters = 3, LearningRate = 0.025, Device = "cpu", InputSize = input };
            clock.Restart();
            try
            {
                FaceTrainer.Train(set, options, progress: p =>
                {
                    imagesPerSecond = p.ImagesPerSecond;
                    if (p.Step >= trainSteps) stop.Cancel();
                }, ct: stop.Token);
            }
            catch (OperationCanceledException) { }
            Console.WriteLine($"trained {trainSteps} steps (K=3, {set.ClassCount} identities) at {imagesPerSecond:F0} img/s; {clock.Elapsed.TotalSeconds:F0} s with the set's resize");
            Memory("after training");
        }
        return 0;
    }

    /// <summary>Shards of 4,096 images cycling through the source's images; paths "copyN/…" keep them distinct.</summary>
    private static void Write(string from, string outDir, int images)
    {
        using var source = DatasetLoader.Load(from);
        Directory.CreateDirectory(outDir);
        const int shardSize = 4096;
        var shards = new List<ShardInfo>();
        for (int start = 0, s = 0; start < images; start += shardSize, s++)
        {
            int n = Math.Min(shardSize, images - start);
            var picks = Enumerable.Range(start, n).Select(i => i % source.Count).ToArray();
            var name = ShardFile.NameOf(s);
            var file = Path.Combine(outDir, name);
            using (var fs = File.Create(file))
            {
                var writer = new ShardWriter(fs, source.Size, picks.Select(i => source.Labels[i]).ToArray(),
                    Enumerable.Range(start, n).Select(i => $"copy{i / source.Count}/{source.Paths[i % source.Count]}").ToArray());
                foreach (var i in picks) writer.Append(source.Image(i));
                writer.Complete();
            }
            using var read = File.OpenRead(file);
            shards.Add(new ShardInfo(name, n, read.Length, Convert.ToHexStringLower(SHA256.HashData(read))));
        }
        using var m = File.Create(Path.Combine(outDir, DatasetFiles.Manifest));
        new DatasetManifest
        {
            DatasetId = Path.GetFileName(Path.GetFullPath(outDir)), Source = $"{images} images repeating {from}",
            ImageSize = source.Size, SampleCount = images, QuarantineCount = 0, Identities = source.Identities, Shards = shards,
        }.WriteTo(m);
    }

    private static void Memory(string when)
    {
        var status = File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith("VmRSS") || l.StartsWith("RssAnon") || l.StartsWith("RssFile") || l.StartsWith("VmHWM"))
            .Select(l => string.Join(' ', l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)));
        int shardFiles = Directory.GetFiles("/proc/self/fd").Count(fd => (new FileInfo(fd).LinkTarget ?? "").EndsWith(".bin"));
        Console.WriteLine($"  memory {when}: {string.Join(", ", status)}; shard files open {shardFiles}");
    }
}
