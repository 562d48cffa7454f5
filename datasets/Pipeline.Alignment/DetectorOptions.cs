namespace Pipeline.Alignment;

/// <summary>How YuNet is run: input size, thresholds and threads.</summary>
public sealed record DetectorOptions
{
    /// <summary>Photos whose longer side is larger are shrunk to it (aspect kept); smaller ones are not enlarged.</summary>
    public int DetectionSize { get; init; } = 640;

    /// <summary>Faces scoring below this are not reported.</summary>
    public float ScoreThreshold { get; init; } = 0.6f;

    /// <summary>Non-maximum suppression drops a face overlapping a better one by more than this IoU.</summary>
    public float NmsIoU { get; init; } = 0.3f;

    /// <summary>
    /// ONNX Runtime threads per inference. One, with one photo per core (Parallelism, or the caller's own threads), is
    /// the faster use of the cores (bench/experiments/align-batching.md); more helps only a lone photo on an idle machine.
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Try the CUDA execution provider first (a -p:TorchBackend=cuda build); CPU otherwise.</summary>
    public bool UseCuda { get; init; } = true;

    /// <summary>Images a batch call detects at once (one per worker).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public void Validate()
    {
        if (DetectionSize is < 32 or > 4096) throw new ArgumentException($"DetectionSize {DetectionSize} is not in 32..4096");
        if (ScoreThreshold is <= 0 or > 1 || float.IsNaN(ScoreThreshold)) throw new ArgumentException($"ScoreThreshold {ScoreThreshold} is not in (0, 1]");
        if (NmsIoU is <= 0 or > 1 || float.IsNaN(NmsIoU)) throw new ArgumentException($"NmsIoU {NmsIoU} is not in (0, 1]");
        if (IntraOpThreads < 1) throw new ArgumentException($"IntraOpThreads {IntraOpThreads} must be at least 1");
        if (Parallelism < 1) throw new ArgumentException($"Parallelism {Parallelism} must be at least 1");
    }
}
