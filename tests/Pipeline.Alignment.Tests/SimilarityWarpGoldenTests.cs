namespace Pipeline.Alignment.Tests;

/// <summary>
/// The transform equals skimage's Umeyama and the crop equals cv2.warpAffine (INTER_LINEAR, black border),
/// both reimplemented in numpy by fixtures/alignment_reference.py.
/// </summary>
public class SimilarityWarpGoldenTests
{
    private static readonly System.Text.Json.JsonElement Golden = Fixtures.Load("alignment_golden.json");

    public static TheoryData<string> Cases() => [.. Golden.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static System.Text.Json.JsonElement Case(string name) =>
        Golden.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Theory, MemberData(nameof(Cases))]
    public void Transform_matches_umeyama(string name)
    {
        var c = Case(name);
        var t = FaceWarp.ToTemplate(Fixtures.Points(c.GetProperty("landmarks")), c.GetProperty("size").GetInt32());
        var expected = c.GetProperty("matrix");
        var m = t.Matrix;
        for (int r = 0; r < 2; r++)
            for (int k = 0; k < 3; k++)
                Assert.True(Math.Abs(m[r, k] - expected[r][k].GetDouble()) < 1e-6, $"{name}: M[{r},{k}] = {m[r, k]}, numpy says {expected[r][k].GetDouble()}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Warp_matches_cv2_warpAffine_within_one_level(string name)
    {
        var c = Case(name);
        int w = Golden.GetProperty("width").GetInt32(), h = Golden.GetProperty("height").GetInt32(), size = c.GetProperty("size").GetInt32();
        var rgb = Convert.FromBase64String(Golden.GetProperty("image").GetString()!);
        var expected = Convert.FromBase64String(c.GetProperty("crop").GetString()!);
        var t = FaceWarp.ToTemplate(Fixtures.Points(c.GetProperty("landmarks")), size);

        var fromRgb = new byte[size * size * 3];
        FaceWarp.Warp(rgb, w, h, w * 3, 3, t, size, fromRgb);
        AssertWithinOneLevel(name, expected, fromRgb);

        // The same pixels as RGBA with padded rows give the same crop.
        int rowBytes = w * 4 + 12;
        var rgba = new byte[rowBytes * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                rgb.AsSpan((y * w + x) * 3, 3).CopyTo(rgba.AsSpan(y * rowBytes + x * 4));
                rgba[y * rowBytes + x * 4 + 3] = 255;
            }
        var fromRgba = new byte[size * size * 3];
        FaceWarp.Warp(rgba, w, h, rowBytes, 4, t, size, fromRgba);
        Assert.Equal(fromRgb, fromRgba);
    }

    private static void AssertWithinOneLevel(string name, byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0, at = 0;
        for (int i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > worst) (worst, at) = (Math.Abs(expected[i] - actual[i]), i);
        Assert.True(worst <= 1, $"{name}: byte {at} is {actual[at]}, numpy says {expected[at]}");
        Assert.Contains(expected, v => v != 0);
    }

    [Fact]
    public void Template_landmarks_map_to_themselves_and_scale_with_the_crop()
    {
        var t = SimilarityTransform.Estimate(FaceTemplate.For(112), FaceTemplate.For(224));
        Assert.Equal(2, t.A, 9);
        Assert.Equal(0, t.B, 9);
        Assert.Equal(0, t.Tx, 4);
        Assert.Equal(0, t.Ty, 4);
        var back = t.Inverse().Apply(t.Apply(new PointF(10, 20)));
        Assert.Equal(10, back.X, 4);
        Assert.Equal(20, back.Y, 4);
    }

    [Fact]
    public void Coincident_landmarks_are_refused()
    {
        var same = Enumerable.Repeat(new PointF(5, 5), 5).ToArray();
        var e = Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(same, FaceTemplate.For(112)));
        Assert.Contains("coincide", e.Message);
    }
}
