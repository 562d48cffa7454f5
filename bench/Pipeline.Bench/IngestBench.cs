using System.Diagnostics;
using Pipeline.Datasets;

namespace Pipeline.Bench;

/// <summary>
/// Ingest throughput: 112x112 synthetic face JPEGs in a folder -> validate + decode + dedupe +
/// pack into shards (DatasetPacker, all cores). Rendering the input is not timed.
/// Usage: ingest [--images N] [--parallelism P] [--repeat R] [--json PATH]
/// </summary>
public sealed class IngestBench : IBenchmark
{
    public string Name => "ingest";
    public string Description => "decode+validate+pack of 112x112 JPEGs (img/s); target >= 1000 on 2 cores";

    public async Task<int> RunAsync(string[] args)
    {
        int images = BenchArgs.Int(args, "--images", 4000), parallelism = BenchArgs.Int(args, "--parallelism", Environment.ProcessorCount), repeat = BenchArgs.Int(args, "--repeat", 3);
        string root = Path.Combine(Path.GetTempPath(), $"ingest-bench-{Environment.ProcessId}");
        var figures = new BenchFigures(args);
        try
        {
            int perIdentity = 20;
            Console.Error.WriteLine($"rendering {images} synthetic 112x112 JPEGs ...");
            var synth = new SyntheticFaceGenerator(new SyntheticFaceOptions
            {
                Identities = Math.Max(2, images / perIdentity), PerIdentity = perIdentity, HoldoutIdentities = 0, Seed = 1,
                ClosedNoise = 0.1, OpenNoise = 0.1, Junk = 0.05,
            }).Generate(Path.Combine(root, "synth"));
            long inputBytes = Directory.EnumerateFiles(Path.Combine(root, "synth", "train"), "*.jpg", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Console.Error.WriteLine($"synth: {synth.TrainImages} images in {synth.Elapsed.TotalSeconds:F1} s ({synth.TrainImages / synth.Elapsed.TotalSeconds:F0} img/s), mean JPEG {inputBytes / synth.TrainImages} bytes");

            var source = new DirectorySource(Path.Combine(root, "synth", "train"));
            var best = double.MaxValue;
            for (int r = 0; r < repeat; r++)
            {
                string output = Path.Combine(root, $"packed-{r}");
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var result = await DatasetPacker.PackToDirectoryAsync(source,
                    new PackOptions { DatasetId = "bench", Parallelism = parallelism, TempDirectory = root }, output);
                clock.Stop();
                var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                figures.Add("ingest.img_s", synth.TrainImages / clock.Elapsed.TotalSeconds);
                Console.WriteLine($"ingest run {r + 1}: {result.Manifest.SampleCount} packed, {result.Quarantine.Count} quarantined, " +
                    $"{clock.Elapsed.TotalSeconds:F2} s wall, {cpuUsed.TotalSeconds:F2} s CPU -> {synth.TrainImages / clock.Elapsed.TotalSeconds:F0} img/s " +
                    $"({synth.TrainImages / cpuUsed.TotalSeconds:F0} img/s per busy core)");
                Directory.Delete(output, recursive: true);
            }
            Console.WriteLine($"ingest best: {synth.TrainImages / best:F0} img/s with parallelism {parallelism} on {Environment.ProcessorCount} cores");
            figures.Add("ingest.images", synth.TrainImages);
            figures.Save();
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
