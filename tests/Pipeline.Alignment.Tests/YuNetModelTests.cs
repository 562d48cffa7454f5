using Pipeline.Datasets;

namespace Pipeline.Alignment.Tests;

/// <summary>The shipped YuNet model run by ONNX Runtime on synthetic photos the project draws.</summary>
public class YuNetModelTests(ModelFixture model) : IClassFixture<ModelFixture>
{
    private static void AssertNear(FacePlacement p, FaceDetection f)
    {
        var c = f.Box.Centre;
        Assert.True(Math.Abs(c.X - p.CentreX) < 0.15f * p.Size && Math.Abs(c.Y - p.CentreY) < 0.15f * p.Size,
            $"face drawn at ({p.CentreX}, {p.CentreY}) size {p.Size}, detected box {f.Box}");
        Assert.InRange(f.Box.Width, 0.3f * p.Size, 1.0f * p.Size);
        var l = f.Landmarks;
        Assert.True(l[0].X < l[1].X && l[3].X < l[4].X, "eyes and mouth corners come left to right");
        Assert.True(Math.Max(l[0].Y, l[1].Y) < l[2].Y && l[2].Y < Math.Min(l[3].Y, l[4].Y), "eyes above the nose above the mouth");
    }

    [Fact]
    public void A_drawn_face_is_found_where_it_was_drawn()
    {
        var place = new FacePlacement(1, 260, 280, 220);
        var faces = model.Detector.Detect(ModelFixture.Photo(500, 600, place));
        var face = Assert.Single(faces);
        Assert.True(face.Score >= 0.6f, $"score {face.Score}");
        AssertNear(place, face);
    }

    [Fact]
    public void A_photo_larger_than_the_detection_size_maps_back_to_its_own_pixels()
    {
        var place = new FacePlacement(2, 1000, 520, 560);
        var photo = ModelFixture.Photo(1600, 1200, place);
        Assert.True(Math.Max(photo.Width, photo.Height) > model.Detector.Options.DetectionSize);
        AssertNear(place, Assert.Single(model.Detector.Detect(photo)));
    }

    [Fact]
    public void An_aligned_crop_puts_the_landmarks_on_the_template()
    {
        var photo = ModelFixture.Photo(500, 600, new FacePlacement(3, 230, 300, 240));
        var crop = new byte[112 * 112 * 3];
        var outcome = model.Aligner.Align(photo.Pixels.Span, photo.Width, photo.Height, photo.RowBytes, 112, crop);
        Assert.Equal(AlignmentKind.Aligned, outcome.Kind);

        // Detected again, the crop's landmarks sit on the template: the crop is what `auto` leaves alone.
        var rgba = new byte[112 * 112 * 4];
        for (int i = 0; i < 112 * 112; i++) { crop.AsSpan(i * 3, 3).CopyTo(rgba.AsSpan(i * 4)); rgba[i * 4 + 3] = 255; }
        var again = Assert.Single(model.Detector.Detect(rgba, 112, 112, 112 * 4));
        Assert.True(AlignedCrop.IsAlreadyAlignedCrop(112, 112, again), $"{AlignedCrop.TemplateDistance(again.Landmarks, 112)} px off the template");
        Assert.False(AlignedCrop.IsAlreadyAlignedCrop(photo.Width, photo.Height, outcome.Face));
    }

    [Fact]
    public void A_blank_photo_has_no_face()
    {
        var blank = new byte[400 * 300 * 4];
        Array.Fill(blank, (byte)128);
        var outcome = model.Aligner.Align(blank, 400, 300, 1600, 112, new byte[112 * 112 * 3]);
        Assert.Equal(AlignmentKind.NoFace, outcome.Kind);
        Assert.StartsWith("no-face", outcome.Reason);
    }

    [Fact]
    public void Two_faces_of_equal_size_are_multiple_faces()
    {
        var photo = ModelFixture.Photo(600, 400, new FacePlacement(4, 170, 200, 200), new FacePlacement(5, 430, 200, 200));
        var outcome = model.Aligner.Align(photo.Pixels.Span, photo.Width, photo.Height, photo.RowBytes, 112, new byte[112 * 112 * 3]);
        Assert.Equal(AlignmentKind.MultipleFaces, outcome.Kind);
        Assert.Equal(2, outcome.FaceCount);
    }

    [Fact]
    public void One_large_and_one_small_face_align_the_large_one()
    {
        var large = new FacePlacement(6, 380, 300, 300);
        var photo = ModelFixture.Photo(600, 500, large, new FacePlacement(7, 110, 120, 110));
        Assert.Equal(2, model.Detector.Detect(photo).Count);
        var outcome = model.Aligner.Align(photo.Pixels.Span, photo.Width, photo.Height, photo.RowBytes, 112, new byte[112 * 112 * 3]);
        Assert.Equal(AlignmentKind.Aligned, outcome.Kind);
        AssertNear(large, outcome.Face!);
    }

    [Fact]
    public void A_face_under_the_accept_score_is_low_detection_score()
    {
        using var strict = new FaceAligner(new AlignerOptions { AcceptScore = 0.999f, Detector = new DetectorOptions { ScoreThreshold = 0.3f, IntraOpThreads = 1 } });
        var photo = ModelFixture.Photo(500, 600, new FacePlacement(8, 250, 300, 220));
        var outcome = strict.Align(photo.Pixels.Span, photo.Width, photo.Height, photo.RowBytes, 112, new byte[112 * 112 * 3]);
        Assert.Equal(AlignmentKind.LowScore, outcome.Kind);
        Assert.InRange(outcome.Score, 0.3f, 0.999f);
        Assert.StartsWith("low-detection-score: best face scored", outcome.Reason);
    }

    [Fact]
    public void Batches_give_what_single_calls_give()
    {
        RgbaImage[] photos =
        [
            ModelFixture.Photo(500, 600, new FacePlacement(9, 250, 300, 220)),
            ModelFixture.Photo(640, 480, new FacePlacement(10, 300, 200, 150), new FacePlacement(11, 500, 300, 150)),
            ModelFixture.Photo(300, 300),
        ];
        var batch = model.Detector.Detect(photos);
        for (int i = 0; i < photos.Length; i++)
            Assert.Equal(model.Detector.Detect(photos[i]).Select(f => (f.Box, f.Score)), batch[i].Select(f => (f.Box, f.Score)));

        var crops = photos.Select(_ => new byte[112 * 112 * 3]).ToArray();
        var outcomes = model.Aligner.Align(photos, 112, [.. crops.Select(c => (Memory<byte>)c)]);
        Assert.Equal([AlignmentKind.Aligned, AlignmentKind.MultipleFaces, AlignmentKind.NoFace], outcomes.Select(o => o.Kind));
        var single = new byte[112 * 112 * 3];
        model.Aligner.Align(photos[0].Pixels.Span, photos[0].Width, photos[0].Height, photos[0].RowBytes, 112, single);
        Assert.Equal(single, crops[0]);
    }

    [Fact]
    public void Corrupted_weights_are_refused_with_the_file_named()
    {
        string path = Path.Combine(Path.GetTempPath(), $"yunet-corrupt-{Environment.ProcessId}.onnx");
        var bytes = YuNetWeights.Embedded();
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => new YuNetDetector(null, File.ReadAllBytes(path), path));
            Assert.Contains(path, e.Message);
            Assert.Contains("sha256", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
