using Pipeline.Datasets;

namespace Pipeline.Alignment;

public enum AlignmentKind { Aligned, NoFace, LowScore, MultipleFaces }

/// <summary>
/// What face alignment decided for one photo. <see cref="Face"/> is the chosen face when Aligned, else the
/// best-scoring one (null for NoFace); <see cref="Reason"/> is the quarantine reason, null when Aligned.
/// </summary>
public sealed record AlignmentOutcome(AlignmentKind Kind, FaceDetection? Face, int FaceCount)
{
    public float Score => Face?.Score ?? 0;

    public PointF[]? Landmarks => Face?.Landmarks;

    public string? Reason => Kind switch
    {
        AlignmentKind.NoFace => QuarantineReasons.Format(QuarantineReasons.NoFace, "the detector found no face"),
        AlignmentKind.LowScore => QuarantineReasons.Format(QuarantineReasons.LowDetectionScore, $"best face scored {Score:F2}"),
        AlignmentKind.MultipleFaces => QuarantineReasons.Format(QuarantineReasons.MultipleFaces, $"{FaceCount} faces and none dominates (best score {Score:F2})"),
        _ => null,
    };

    public static AlignmentOutcome NoFace() => new(AlignmentKind.NoFace, null, 0);
}
