namespace Pipeline.Alignment.Tests;

/// <summary>The face-choice rule on hand-placed detections in a 600x400 photo.</summary>
public class DominantFaceTests
{
    private const int W = 600, H = 400;

    private static FaceDetection Face(float cx, float cy, float side, float score) =>
        new(new RectF(cx - side / 2, cy - side / 2, side, side), score, FaceTemplate.For((int)side));

    private static AlignmentOutcome Choose(params FaceDetection[] faces) => DominantFace.Choose(faces, W, H, 0.6f);

    public static TheoryData<string, FaceDetection[], AlignmentKind, float, string> Quarantined => new()
    {
        { "nothing detected", [], AlignmentKind.NoFace, 0f, "no-face: the detector found no face" },
        { "faces only under the accept score", [Face(300, 200, 100, 0.41f), Face(100, 100, 50, 0.55f)], AlignmentKind.LowScore, 0.55f, "low-detection-score: best face scored 0.55" },
        { "two equal faces placed symmetrically", [Face(200, 200, 100, 0.9f), Face(400, 200, 100, 0.8f)], AlignmentKind.MultipleFaces, 0.9f, "multiple-faces: 2 faces and none dominates (best score 0.90)" },
    };

    [Theory, MemberData(nameof(Quarantined))]
    public void Photos_without_one_clear_face_are_quarantined_with_the_best_score(string photo, FaceDetection[] faces, AlignmentKind kind, float score, string reason)
    {
        var o = Choose(faces);
        Assert.True(o.Kind == kind, $"{photo}: {o.Kind}");
        Assert.Equal(score, o.Score);
        Assert.Equal(reason, o.Reason);
    }

    /// <summary>The rule keeps <paramref name="kept"/>, listed after the others so that order cannot decide.</summary>
    private static AlignmentOutcome AssertKeeps(FaceDetection kept, params FaceDetection[] others)
    {
        var o = Choose([.. others, kept]);
        Assert.Equal(AlignmentKind.Aligned, o.Kind);
        Assert.Same(kept, o.Face);
        Assert.Null(o.Reason);
        return o;
    }

    [Fact]
    public void A_face_twice_the_area_of_the_next_dominates() =>
        AssertKeeps(Face(250, 200, 150, 0.7f), Face(450, 200, 100, 0.95f));

    [Fact]
    public void A_face_not_quite_twice_as_large_at_the_same_distance_does_not() =>
        Assert.Equal(AlignmentKind.MultipleFaces, Choose(Face(200, 200, 130, 0.9f), Face(400, 200, 100, 0.9f)).Kind);

    // Area alone (6400 vs 4225) would not dominate; the corner face's centrality (0.58) makes it.
    [Fact]
    public void A_face_two_thirds_the_area_but_near_a_corner_loses_to_the_central_one() =>
        AssertKeeps(Face(300, 200, 80, 0.8f), Face(40, 40, 65, 0.9f));

    [Fact]
    public void Faces_under_the_accept_score_do_not_compete() =>
        Assert.Equal(1, AssertKeeps(Face(200, 200, 100, 0.8f), Face(400, 200, 100, 0.5f)).FaceCount);
}
