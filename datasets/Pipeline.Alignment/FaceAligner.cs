namespace Pipeline.Alignment;

/// <summary>
/// Ingest's one step from a decoded photo to an aligned face crop: detect (YuNet), choose the dominant
/// face (<see cref="DominantFace"/>), map its five landmarks onto the template (<see cref="SimilarityTransform"/>)
/// and warp (<see cref="FaceWarp"/>). Thread-safe: callers may align one photo per thread.
/// </summary>
public sealed class FaceAligner : IDisposable
{
    private readonly YuNetDetector _detector;

    public AlignerOptions Options { get; }

    public string ExecutionProvider => _detector.ExecutionProvider;

    public FaceAligner(AlignerOptions? options = null)
    {
        Options = options ?? new AlignerOptions();
        Options.Validate();
        _detector = new YuNetDetector(Options.Detector);
    }

    /// <summary>What a cache of this aligner's detections is valid for (<see cref="YuNetDetector.Identity"/>).</summary>
    public string DetectorIdentity => _detector.Identity;

    /// <summary>Photos this aligner has run the detector on.</summary>
    public long Detections => Interlocked.Read(ref _detections);

    private long _detections;

    /// <summary>Aligns the dominant face into <paramref name="rgbOut"/> (outSize² x 3 bytes), written only when the outcome is Aligned.</summary>
    /// <param name="rgba">8-bit RGBA rows, <paramref name="rowBytes"/> apart; alpha is ignored.</param>
    public AlignmentOutcome Align(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, int outSize, Span<byte> rgbOut) =>
        Align(rgba, width, height, rowBytes, Detect(rgba, width, height, rowBytes), outSize, rgbOut);

    /// <summary>The detector's faces in the photo (after NMS), in its pixels.</summary>
    public IReadOnlyList<FaceDetection> Detect(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes)
    {
        Interlocked.Increment(ref _detections);
        return _detector.Detect(rgba, width, height, rowBytes);
    }

    /// <summary>Aligns the dominant one of <paramref name="faces"/>, this photo's faces as <see cref="Detect"/> found them (or a cache kept them).</summary>
    public AlignmentOutcome Align(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, IReadOnlyList<FaceDetection> faces, int outSize, Span<byte> rgbOut)
    {
        if (rgbOut.Length != outSize * outSize * 3) throw new ArgumentException($"a {outSize}x{outSize} RGB crop needs {outSize * outSize * 3} bytes", nameof(rgbOut));
        var outcome = DominantFace.Choose(faces, width, height, Options.AcceptScore);
        if (outcome.Kind == AlignmentKind.Aligned)
            FaceWarp.Warp(rgba, width, height, rowBytes, 4, FaceWarp.ToTemplate(outcome.Face!.Landmarks, outSize, Options.TemplateScale), outSize, rgbOut);
        return outcome;
    }

    /// <summary>Aligns each image into the matching buffer of <paramref name="rgbOuts"/>, Detector.Parallelism at a time.</summary>
    public AlignmentOutcome[] Align(IReadOnlyList<RgbaImage> images, int outSize, IReadOnlyList<Memory<byte>> rgbOuts)
    {
        if (rgbOuts.Count != images.Count) throw new ArgumentException($"{images.Count} images but {rgbOuts.Count} output buffers", nameof(rgbOuts));
        var outcomes = new AlignmentOutcome[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = Options.Detector.Parallelism }, i =>
        {
            var im = images[i];
            outcomes[i] = Align(im.Pixels.Span, im.Width, im.Height, im.RowBytes, outSize, rgbOuts[i].Span);
        });
        return outcomes;
    }

    public void Dispose() => _detector.Dispose();
}
