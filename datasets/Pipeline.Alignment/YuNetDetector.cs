using System.Buffers;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace Pipeline.Alignment;

/// <summary>
/// YuNet face detection with ONNX Runtime: the photo is shrunk so its longer side is at most
/// DetectionSize, padded to multiples of 32, fed as planar BGR floats 0-255, decoded per stride,
/// suppressed, and mapped back to the photo's pixels. Thread-safe (ONNX Runtime sessions may run
/// concurrently; every call owns its buffers).
/// </summary>
public sealed class YuNetDetector : IDisposable
{
    private static readonly string[] OutputNames =
        [.. new[] { "cls", "obj", "bbox", "kps" }.SelectMany(o => YuNetDecoder.Strides.Select(s => $"{o}_{s}"))];

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();

    public DetectorOptions Options { get; }

    /// <summary>"CUDA" or "CPU": where inference runs.</summary>
    public string ExecutionProvider { get; }

    /// <summary>The weights and the options that change what is found (<see cref="IdentityOf"/>).</summary>
    public string Identity => IdentityOf(Options);

    /// <summary>
    /// What a detector's faces depend on: the weights' sha256, the input size and the thresholds. Threads, parallelism and
    /// the execution provider only change how fast they come (CUDA and CPU agree to float rounding).
    /// </summary>
    public static string IdentityOf(DetectorOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"yunet sha256={YuNetWeights.Sha256} size={options.DetectionSize} score={options.ScoreThreshold:R} nms={options.NmsIoU:R}");

    public YuNetDetector(DetectorOptions? options = null) : this(options, YuNetWeights.Embedded(), "embedded YuNet weights") { }

    /// <summary>Runs <paramref name="weights"/> only when they are the shipped model (sha256).</summary>
    internal YuNetDetector(DetectorOptions? options, byte[] weights, string source)
    {
        Options = options ?? new DetectorOptions();
        Options.Validate();
        YuNetWeights.Verified(weights, source);
        using var so = new SessionOptions
        {
            IntraOpNumThreads = Options.IntraOpThreads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        ExecutionProvider = "CPU";
        if (Options.UseCuda)
        {
            // The CPU-only runtime throws here; a GPU build that cannot open its device does too.
            try { so.AppendExecutionProvider_CUDA(0); ExecutionProvider = "CUDA"; }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException) { }
        }
        _session = new InferenceSession(weights, so);
        var missing = OutputNames.Except(_session.OutputNames).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{source}: the model lacks the YuNet outputs {string.Join(", ", missing)}");
    }

    public IReadOnlyList<FaceDetection> Detect(RgbaImage image) => Detect(image.Pixels.Span, image.Width, image.Height, image.RowBytes);

    /// <summary>Detects the faces of each image, <see cref="DetectorOptions.Parallelism"/> at a time.</summary>
    public IReadOnlyList<FaceDetection>[] Detect(IReadOnlyList<RgbaImage> images)
    {
        var results = new IReadOnlyList<FaceDetection>[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = Options.Parallelism }, i => results[i] = Detect(images[i]));
        return results;
    }

    /// <param name="rgba">8-bit RGBA rows, <paramref name="rowBytes"/> apart; alpha is ignored.</param>
    public unsafe IReadOnlyList<FaceDetection> Detect(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes)
    {
        if (width < 1 || height < 1 || rowBytes < width * 4 || rgba.Length < (long)rowBytes * (height - 1) + width * 4)
            throw new ArgumentException($"{width}x{height} RGBA pixels with {rowBytes} bytes a row do not fit in {rgba.Length} bytes", nameof(rgba));
        float scale = Math.Min(1f, Options.DetectionSize / (float)Math.Max(width, height));
        int inW = Math.Max(1, (int)MathF.Round(width * scale)), inH = Math.Max(1, (int)MathF.Round(height * scale));
        int padW = (inW + 31) / 32 * 32, padH = (inH + 31) / 32 * 32, plane = padW * padH;

        var input = ArrayPool<float>.Shared.Rent(3 * plane);
        byte[]? shrunk = null;
        try
        {
            if (inW == width && inH == height) ToPlanarBgr(rgba, width, height, rowBytes, input, padW, padH);
            else
            {
                shrunk = ArrayPool<byte>.Shared.Rent(inW * inH * 4);
                Shrink(rgba, width, height, rowBytes, shrunk, inW, inH);
                ToPlanarBgr(shrunk, inW, inH, inW * 4, input, padW, padH);
            }
            var faces = Infer(input.AsMemory(0, 3 * plane), padW, padH);
            // Pixel centres map onto pixel centres: x = (x' + 0.5) / s - 0.5.
            float sx = inW / (float)width, sy = inH / (float)height;
            return faces.ConvertAll(f => new FaceDetection(
                new RectF((f.Box.X + 0.5f) / sx - 0.5f, (f.Box.Y + 0.5f) / sy - 0.5f, f.Box.Width / sx, f.Box.Height / sy), f.Score,
                Array.ConvertAll(f.Landmarks, p => new PointF((p.X + 0.5f) / sx - 0.5f, (p.Y + 0.5f) / sy - 0.5f))));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            if (shrunk is not null) ArrayPool<byte>.Shared.Return(shrunk);
        }
    }

    private List<FaceDetection> Infer(Memory<float> input, int padW, int padH)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [1, 3, padH, padW]);
        using var outputs = _session.Run(_run, ["input"], [tensor], OutputNames);
        var faces = new List<FaceDetection>();
        int n = YuNetDecoder.Strides.Length;
        for (int i = 0; i < n; i++)
        {
            int s = YuNetDecoder.Strides[i];
            YuNetDecoder.DecodeStride(s, padW / s, padH / s,
                outputs[i].GetTensorDataAsSpan<float>(), outputs[n + i].GetTensorDataAsSpan<float>(),
                outputs[2 * n + i].GetTensorDataAsSpan<float>(), outputs[3 * n + i].GetTensorDataAsSpan<float>(),
                Options.ScoreThreshold, faces);
        }
        return YuNetDecoder.Suppress(faces, Options.NmsIoU);
    }

    /// <summary>RGBA rows into the network's planar B, G, R floats; the padding stays zero.</summary>
    private static void ToPlanarBgr(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, float[] input, int padW, int padH)
    {
        int plane = padW * padH;
        Array.Clear(input, 0, 3 * plane);
        for (int y = 0; y < height; y++)
        {
            var row = rgba.Slice(y * rowBytes, width * 4);
            int o = y * padW;
            for (int x = 0; x < width; x++, o++)
            {
                input[o] = row[4 * x + 2];
                input[plane + o] = row[4 * x + 1];
                input[2 * plane + o] = row[4 * x];
            }
        }
    }

    private static unsafe void Shrink(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, byte[] dst, int w, int h)
    {
        fixed (byte* s = rgba)
        fixed (byte* d = dst)
        {
            using var image = SKImage.FromPixels(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)s, rowBytes);
            using var target = new SKPixmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)d, w * 4);
            if (!image.ScalePixels(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)))
                throw new InvalidOperationException($"could not shrink a {width}x{height} image to {w}x{h}");
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
    }
}
