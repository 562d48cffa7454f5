using System.Diagnostics;
using Pipeline.Alignment;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.Ingest;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// Face detection + alignment throughput on photos: read + decode + YuNet + dominant face + warp to
/// 112x112, one photo per worker. The photos are the JPEGs of --photos, or synthetic people drawn on
/// ~500x600 canvases (rendering not timed). Prints photos/s and the count of each outcome; --examples
/// writes the first aligned crops beside their photos with the chosen box and landmarks drawn. Then the same photos go
/// through ingest's decode and face crop twice over one detection cache on a local-folder artifact store: cold (every
/// photo detected, its faces kept) and warm (every photo's faces from the cache), each in photos/s.
/// Usage: align [--photos DIR] [--count N] [--parallelism P] [--repeat R] [--examples DIR] [--json PATH]
/// </summary>
public sealed class AlignBench : IBenchmark
{
    private const int CropSize = 112, Examples = 12;

    public string Name => "align";
    public string Description => "detect + align of ~500x600 JPEGs incl. decode (photos/s); target >= 40 on 2 cores";

    public Task<int> RunAsync(string[] args)
    {
        int count = BenchArgs.Int(args, "--count", 1000), parallelism = BenchArgs.Int(args, "--parallelism", Environment.ProcessorCount), repeat = BenchArgs.Int(args, "--repeat", 2);
        string? photos = BenchArgs.Text(args, "--photos"), examples = BenchArgs.Text(args, "--examples");
        var figures = new BenchFigures(args);
        string? temp = photos is null ? Path.Combine(Path.GetTempPath(), $"align-bench-{Environment.ProcessId}") : null;
        try
        {
            var files = photos is null ? RenderPhotos(temp!, Math.Min(count, 300)) : ListPhotos(photos, count);
            using var aligner = new FaceAligner(new AlignerOptions { Detector = new DetectorOptions { IntraOpThreads = 1, Parallelism = parallelism } });
            Console.Error.WriteLine($"{files.Count} photos, {parallelism} workers, ONNX Runtime on {aligner.ExecutionProvider}");
            var outcomes = new AlignmentOutcome?[files.Count];
            double best = double.MaxValue;
            for (int r = 0; r < repeat; r++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i => outcomes[i] = AlignFile(aligner, files[i], null));
                clock.Stop();
                var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                figures.Add("align.photos_s", files.Count / clock.Elapsed.TotalSeconds);
                Console.WriteLine($"align run {r + 1}: {files.Count} photos in {clock.Elapsed.TotalSeconds:F2} s wall, {cpuUsed.TotalSeconds:F2} s CPU -> " +
                    $"{files.Count / clock.Elapsed.TotalSeconds:F1} photos/s ({files.Count / cpuUsed.TotalSeconds:F1} per busy core)");
            }
            var counts = outcomes.GroupBy(o => o?.Kind.ToString() ?? "undecodable").OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
            Console.WriteLine($"align best: {files.Count / best:F1} photos/s with {parallelism} workers on {Environment.ProcessorCount} cores; outcomes: {string.Join(", ", counts)}");
            figures.Add("align.photos", files.Count);
            figures.Add("align.aligned", outcomes.Count(o => o?.Kind == AlignmentKind.Aligned));
            if (examples is not null) WriteExamples(aligner, files, outcomes, examples);
            ColdAndWarm(aligner, files, parallelism, figures);
            figures.Save();
            return Task.FromResult(0);
        }
        finally
        {
            if (temp is not null && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Ingest's decode + face crop over an empty detection cache, then again over the filled one.</summary>
    private static void ColdAndWarm(FaceAligner aligner, List<string> files, int parallelism, BenchFigures figures)
    {
        var store = Path.Combine(Path.GetTempPath(), $"align-cache-{Environment.ProcessId}");
        try
        {
            var blobs = new LocalFolderBlobStore(store);
            var rates = new List<double>();
            foreach (var pass in new[] { "cold", "warm" })
            {
                var cache = new DetectionCache(new BlobDetectionStore(blobs));
                var validator = new ImageValidator(new ValidationOptions { ImageSize = CropSize, FaceCrop = new AlignedFaceCrop(aligner, keepCrops: false, cache) });
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
                {
                    var bytes = File.ReadAllBytes(files[i]);
                    validator.TryDecode(bytes, new byte[validator.OutputBytes], files[i], ContentHashes.Of(bytes));
                });
                var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                rates.Add(files.Count / clock.Elapsed.TotalSeconds);
                figures.Add($"align.{pass}_photos_s", rates[^1]);
                Console.WriteLine($"align {pass} cache: {rates[^1]:F1} photos/s ({files.Count / cpuUsed.TotalSeconds:F1} per busy core) through ingest's decode and crop " +
                    $"({cache.Misses} detected, {cache.Hits} from the cache)");
            }
            Console.WriteLine($"align cache: cold {rates[0]:F1} photos/s, warm {rates[1]:F1} photos/s ({rates[1] / rates[0]:F1}x) with {parallelism} workers");
        }
        finally
        {
            if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
        }
    }

    private static AlignmentOutcome? AlignFile(FaceAligner aligner, string path, byte[]? crop)
    {
        RgbaImage photo;
        try { photo = RgbaImage.Decode(File.ReadAllBytes(path), path); }
        catch (InvalidDataException) { return null; }
        return aligner.Align(photo.Pixels.Span, photo.Width, photo.Height, photo.RowBytes, CropSize, crop ?? new byte[CropSize * CropSize * 3]);
    }

    private static List<string> ListPhotos(string dir, int count) =>
        [.. Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(count)];

    /// <summary>One to three people on ~500x600 canvases; the first is the largest and the most central.</summary>
    private static List<string> RenderPhotos(string dir, int count)
    {
        Directory.CreateDirectory(dir);
        var files = Enumerable.Range(0, count).Select(i => Path.Combine(dir, $"photo-{i:D4}.jpg")).ToList();
        Parallel.For(0, count, i =>
        {
            var r = SeededRandom.For(11, i);
            int w = 440 + r.Next(121), h = 540 + r.Next(121);
            float main = r.Uniform(0.35f, 0.6f) * w;
            var faces = new List<FacePlacement> { new(r.Next(1000), w / 2f + r.Uniform(-0.1f, 0.1f) * w, h * r.Uniform(0.35f, 0.5f), main) };
            for (int k = r.Next(3); k > 0; k--)
                faces.Add(new FacePlacement(r.Next(1000), r.Uniform(0.1f, 0.9f) * w, r.Uniform(0.15f, 0.85f) * h, main * r.Uniform(0.15f, 0.4f)));
            File.WriteAllBytes(files[i], SyntheticPhoto.Render(w, h, faces, seed: i));
        });
        return files;
    }

    private static void WriteExamples(FaceAligner aligner, List<string> files, AlignmentOutcome?[] outcomes, string dir)
    {
        Directory.CreateDirectory(dir);
        int written = 0;
        for (int i = 0; i < files.Count && written < Examples; i++)
        {
            if (outcomes[i]?.Kind != AlignmentKind.Aligned) continue;
            var crop = new byte[CropSize * CropSize * 3];
            var face = AlignFile(aligner, files[i], crop)!.Face!;
            string name = Path.GetFileNameWithoutExtension(files[i]);
            File.WriteAllBytes(Path.Combine(dir, $"{name}-aligned.png"), RgbPng.Encode(crop, CropSize, CropSize));
            using var photo = SKBitmap.Decode(files[i]);
            using (var canvas = new SKCanvas(photo))
            using (var pen = new SKPaint { Color = SKColors.Lime, Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(2, photo.Width / 250f) })
            {
                canvas.DrawRect(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height, pen);
                pen.Style = SKPaintStyle.Fill;
                foreach (var p in face.Landmarks) canvas.DrawCircle(p.X, p.Y, pen.StrokeWidth * 1.5f, pen);
            }
            using var jpeg = photo.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(Path.Combine(dir, $"{name}-photo.jpg"), jpeg.ToArray());
            written++;
        }
        Console.Error.WriteLine($"wrote {written} aligned crops and their annotated photos to {dir}");
    }
}
