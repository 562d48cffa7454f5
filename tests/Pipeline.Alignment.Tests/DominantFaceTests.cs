namespace Pipeline.Alignment.Tests;

/// <summary>The face-choice rule on hand-placed detections in a 600x400 photo.</summary>
public class DominantFaceTests
{
    private const int W = 600, H = 400;

    private static FaceDetection Face(float cx, float cy, float side, float score) =>
        new(new RectF(cx - side / 2, cy - side / 2, side, side), score, FaceTemplate.For((int)side));

    [Fact]
    public void Nothing_detected_is_no_face()
    {
        var o = DominantFace.Choose([], W, H, 0.6f);
        Assert.Equal(AlignmentKind.NoFace, o.Kind);
        Assert.StartsWith("no-face: ", o.Reason);
    }

    [Fact]
    public void Faces_only_under_the_accept_score_are_low_score_with_the_best_score()
    {
        var o = DominantFace.Choose([Face(300, 200, 100, 0.41f), Face(100, 100, 50, 0.55f)], W, H, 0.6f);
        Assert.Equal(AlignmentKind.LowScore, o.Kind);
        Assert.Equal(0.55f, o.Score);
        Assert.Equal("low-detection-score: best face scored 0.55", o.Reason);
    }

    [Fact]
    public void Two_equal_faces_placed_symmetrically_are_multiple_faces()
    {
        var o = DominantFace.Choose([Face(200, 200, 100, 0.9f), Face(400, 200, 100, 0.8f)], W, H, 0.6f);
        Assert.Equal(AlignmentKind.MultipleFaces, o.Kind);
        Assert.Equal(2, o.FaceCount);
        Assert.Equal(0.9f, o.Score);
        Assert.StartsWith("multiple-faces: 2 faces", o.Reason);
    }

    [Fact]
    public void A_face_twice_the_area_of_the_next_dominates()
    {
        var large = Face(250, 200, 150, 0.7f);
        var o = DominantFace.Choose([Face(450, 200, 100, 0.95f), large], W, H, 0.6f);
        Assert.Equal(AlignmentKind.Aligned, o.Kind);
        Assert.Same(large, o.Face);
        Assert.Null(o.Reason);
    }

    [Fact]
    public void A_face_not_quite_twice_as_large_at_the_same_distance_does_not()
    {
        var o = DominantFace.Choose([Face(200, 200, 130, 0.9f), Face(400, 200, 100, 0.9f)], W, H, 0.6f);
        Assert.Equal(AlignmentKind.MultipleFaces, o.Kind);
    }

    [Fact]
    public void A_face_two_thirds_the_area_but_near_a_corner_loses_to_the_central_one()
    {
        // Area alone (6400 vs 4225) would not dominate; the corner face's centrality (0.58) makes it.
        var centre = Face(300, 200, 80, 0.8f);
        var o = DominantFace.Choose([Face(40, 40, 65, 0.9f), centre], W, H, 0.6f);
        Assert.Equal(AlignmentKind.Aligned, o.Kind);
        Assert.Same(centre, o.Face);
    }

    [Fact]
    public void Faces_under_the_accept_score_do_not_compete()
    {
        var kept = Face(200, 200, 100, 0.8f);
        var o = DominantFace.Choose([kept, Face(400, 200, 100, 0.5f)], W, H, 0.6f);
        Assert.Equal(AlignmentKind.Aligned, o.Kind);
        Assert.Same(kept, o.Face);
        Assert.Equal(1, o.FaceCount);
    }
}
