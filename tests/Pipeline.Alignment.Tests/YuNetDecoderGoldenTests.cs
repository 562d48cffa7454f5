namespace Pipeline.Alignment.Tests;

/// <summary>
/// Decoding crafted per-stride outputs and suppressing overlaps gives what fixtures/yunet_decode_reference.py
/// (numpy, from the model README's decoder) gives: same faces, same order, same boxes, scores and landmarks.
/// </summary>
public class YuNetDecoderGoldenTests
{
    private static readonly System.Text.Json.JsonElement Golden = Fixtures.Load("yunet_decode_golden.json");

    [Theory]
    [InlineData("0.6")]
    [InlineData("0.3")]
    public void Decode_and_nms_match_the_reference(string threshold)
    {
        int padW = Golden.GetProperty("padWidth").GetInt32(), padH = Golden.GetProperty("padHeight").GetInt32();
        var faces = new List<FaceDetection>();
        foreach (int s in YuNetDecoder.Strides)
        {
            var t = Golden.GetProperty("strides").GetProperty(s.ToString());
            float[] F(string k) => [.. t.GetProperty(k).EnumerateArray().Select(v => v.GetSingle())];
            YuNetDecoder.DecodeStride(s, padW / s, padH / s, F("cls"), F("obj"), F("bbox"), F("kps"), float.Parse(threshold), faces);
        }
        var kept = YuNetDecoder.Suppress(faces, Golden.GetProperty("nmsIoU").GetSingle());

        var expected = Golden.GetProperty("expected").GetProperty(threshold).EnumerateArray().ToList();
        Assert.True(faces.Count > expected.Count, "the fixture must hold overlaps for NMS to remove");
        Assert.Equal(expected.Count, kept.Count);
        for (int i = 0; i < kept.Count; i++)
        {
            var e = expected[i];
            Assert.Equal(e.GetProperty("score").GetSingle(), kept[i].Score, 5);
            var box = e.GetProperty("box");
            Near(box[0].GetSingle(), kept[i].Box.X);
            Near(box[1].GetSingle(), kept[i].Box.Y);
            Near(box[2].GetSingle(), kept[i].Box.Width);
            Near(box[3].GetSingle(), kept[i].Box.Height);
            var lm = Fixtures.Points(e.GetProperty("landmarks"));
            for (int k = 0; k < 5; k++)
            {
                Near(lm[k].X, kept[i].Landmarks[k].X);
                Near(lm[k].Y, kept[i].Landmarks[k].Y);
            }
        }
    }

    private static void Near(float expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4f * Math.Max(1, Math.Abs(expected)), $"{actual}, numpy says {expected}");

    [Fact]
    public void Outputs_shorter_than_the_grid_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            YuNetDecoder.DecodeStride(8, 4, 4, new float[15], new float[16], new float[64], new float[160], 0.5f, []));
        Assert.Contains("stride 8", e.Message);
    }
}
