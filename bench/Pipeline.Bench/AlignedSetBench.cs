using System.Collections.Concurrent;
using System.Globalization;
using Pipeline.Alignment;
using Pipeline.Datasets;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// An aligned copy of a photo set made by `real-noisy-set --crop 0` (or any set of identity folders): every photo under
/// --photos DIR (train/ and holdout/, pairs.txt and truth.csv copied) detected, aligned to insightface's template scaled
/// by --scale about the crop centre, and written as a --size JPEG at the same relative path, so truth.csv and pairs.txt
/// still name it. Photos without one dominant face are left out and counted. For experiments on the crop's geometry; the
/// pipeline aligns at ingest by itself. With --frame lfw each photo is instead framed as LFW frames its photos: a 250x250
/// square centred on the dominant face's box, 2.2 times its side (LFW's detector box grown 2.2x), not rotated.
/// Usage: aligned-set --photos DIR --out DIR [--scale 1.0] [--size 112] [--frame lfw]
/// </summary>
public sealed class AlignedSetBench : IBenchmark
{
    public string Name => "aligned-set";
    public string Description => "an aligned copy of a real photo set (same paths), with the template scaled by --scale";

    public Task<int> RunAsync(string[] args)
    {
        string photos = BenchArgs.Required(args, "--photos"), output = BenchArgs.Required(args, "--out");
        int size = BenchArgs.Int(args, "--size", 112);
        float scale = (float)(BenchArgs.Double(args, "--scale") ?? 1.0);
        using var aligner = new FaceAligner(new AlignerOptions { TemplateScale = scale, Detector = new DetectorOptions { IntraOpThreads = 1 } });
        bool lfw = BenchArgs.Text(args, "--frame") == "lfw";
        if (lfw) size = LfwSide;
        var validator = new ImageValidator(new ValidationOptions { ImageSize = size, FaceCrop = lfw ? new LfwFrame(new YuNetDetector(new DetectorOptions { IntraOpThreads = 1 }), aligner.Options.AcceptScore) : new AlignedFaceCrop(aligner, keepCrops: false) });
        var outcomes = new ConcurrentDictionary<string, int>();
        var files = Directory.EnumerateFiles(photos, "*", SearchOption.AllDirectories).ToList();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            var relative = Path.GetRelativePath(photos, file);
            var to = Path.Combine(output, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            if (Path.GetExtension(file) is ".txt" or ".csv")
            {
                File.Copy(file, to, overwrite: true);
                return;
            }
            var rgb = new byte[size * size * 3];
            var reason = validator.TryDecode(File.ReadAllBytes(file), rgb);
            outcomes.AddOrUpdate(reason?.Split(':')[0] ?? "aligned", 1, (_, n) => n + 1);
            if (reason is null) WriteJpeg(rgb, size, to);
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files.Count} files, template scale {scale}: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}; {output}"));
        return Task.FromResult(0);
    }

    private const int LfwSide = 250;
    private const float LfwGrowth = 2.2f;

    /// <summary>LFW's framing: the square around the dominant face's box grown 2.2x, resized to 250 px; outside the photo is black.</summary>
    private sealed class LfwFrame(YuNetDetector detector, float acceptScore) : IFaceCrop
    {
        public int DecodeSide(int outSize) => outSize;

        public string? Crop(in DecodedPhoto photo, int outSize, Span<byte> rgb)
        {
            var rgba = photo.Rgba;
            var outcome = DominantFace.Choose(detector.Detect(rgba, photo.Width, photo.Height, photo.RowBytes), photo.Width, photo.Height, acceptScore);
            if (outcome.Kind != AlignmentKind.Aligned) return outcome.Reason;
            var box = outcome.Face!.Box;
            float side = LfwGrowth * Math.Max(box.Width, box.Height), k = outSize / side;
            var c = box.Centre;
            // Scale about the box centre, no rotation: the similarity (k, 0) taking the frame's corner to (0, 0).
            var toFrame = new SimilarityTransform(k, 0, outSize / 2f - k * c.X, outSize / 2f - k * c.Y);
            FaceWarp.Warp(rgba, photo.Width, photo.Height, photo.RowBytes, 4, toFrame, outSize, rgb);
            return null;
        }
    }

    private static void WriteJpeg(byte[] rgb, int size, string path)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = RgbaImage.FromRgb(rgb, size, size).Pixels.ToArray();
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
