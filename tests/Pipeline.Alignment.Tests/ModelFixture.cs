using Pipeline.Datasets;

namespace Pipeline.Alignment.Tests;

/// <summary>One loaded YuNet for a test class, and the synthetic photos it is tried on.</summary>
public sealed class ModelFixture : IDisposable
{
    public FaceAligner Aligner { get; } = new(new AlignerOptions { Detector = new DetectorOptions { ScoreThreshold = 0.3f, IntraOpThreads = 1 } });

    public YuNetDetector Detector { get; } = new(new DetectorOptions { IntraOpThreads = 1 });

    /// <summary>Frontal synthetic people at the given places (difficulty 0: no pose, no occluders).</summary>
    public static RgbaImage Photo(int width, int height, params FacePlacement[] faces) =>
        RgbaImage.Decode(SyntheticPhoto.Render(width, height, faces, seed: 7, difficulty: 0), "synthetic photo");

    public void Dispose()
    {
        Aligner.Dispose();
        Detector.Dispose();
    }
}
