using Pipeline.Datasets;
using SkiaSharp;

namespace Pipeline.Alignment.Tests;

/// <summary>
/// Ingest's face policies through the real packer (DatasetPacker with YuNet and the warp): what is aligned, what is kept
/// as a crop, what is quarantined and why.
/// </summary>
public sealed class FacePolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("face-policy-").FullName;

    private void Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(_dir, "in", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] Blank(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(120, 130, 140));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>A drawn person on a 500x600 photo, two equal people, a blank photo, and a 112x112 crop of one face.</summary>
    private void WriteDrop()
    {
        Write("ann/photo.jpg", SyntheticPhoto.Render(500, 600, [new FacePlacement(1, 250, 280, 220)], seed: 7, difficulty: 0));
        Write("ann/pair.jpg", SyntheticPhoto.Render(640, 400, [new FacePlacement(1, 170, 200, 180), new FacePlacement(2, 470, 200, 180)], seed: 7, difficulty: 0));
        Write("bob/blank.jpg", Blank(500, 600));
        Write("bob/crop.jpg", SyntheticPhoto.Render(112, 112, [new FacePlacement(2, 56, 58, 100)], seed: 7, difficulty: 0));
    }

    private PackResult Pack(string policy) =>
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(_dir, "in")),
            new PackOptions { DatasetId = "p", ImageSize = 112, TempDirectory = _dir, FaceCrop = FacePolicy.For(policy) },
            DatasetFiles.WriterFor(Path.Combine(_dir, policy)));

    [Fact]
    public void Auto_aligns_photos_keeps_crops_and_quarantines_photos_without_one_dominant_face()
    {
        WriteDrop();
        var result = Pack(FacePolicy.Auto);
        Assert.Equal(2, result.Manifest.SampleCount); // the photo, aligned; the crop, kept
        var reasons = result.Quarantine.ToDictionary(q => q.Path, q => q.Code);
        Assert.Equal(QuarantineReasons.MultipleFaces, reasons["ann/pair.jpg"]);
        Assert.Equal(QuarantineReasons.NoFace, reasons["bob/blank.jpg"]);
        Assert.Equal(2, reasons.Count);

        // What alignment did, shown by example: each photo beside its outcome, as an upright thumbnail of at most 256 px.
        var packed = Path.Combine(_dir, FacePolicy.Auto);
        IReadOnlyList<FaceExample> examples;
        using (var s = File.OpenRead(Path.Combine(packed, FaceExamples.File))) examples = FaceExamples.Read(s);
        Assert.Equal(
            [("ann/pair.jpg", QuarantineReasons.MultipleFaces), ("ann/photo.jpg", FaceExamples.AlignedOutcome),
             ("bob/blank.jpg", QuarantineReasons.NoFace), ("bob/crop.jpg", FaceExamples.AlignedOutcome)],
            examples.Select(e => (e.Path, e.Outcome)).Order());
        var photo = RgbaImage.Decode(File.ReadAllBytes(Path.Combine(packed, examples.Single(e => e.Path == "ann/photo.jpg").Photo)), "photo");
        Assert.Equal((213, 256), (photo.Width, photo.Height)); // 500x600 photo shrunk to fit 256
        Assert.StartsWith("multiple-faces: 2 faces", examples.Single(e => e.Path == "ann/pair.jpg").Reason);
    }

    [Fact]
    public void Detect_runs_the_detector_on_crops_too_and_none_packs_every_photo_as_its_centre_square()
    {
        WriteDrop();
        var detect = Pack(FacePolicy.Detect);
        Assert.Contains(detect.Quarantine, q => q.Path == "bob/blank.jpg" && q.Code == QuarantineReasons.NoFace);
        Assert.DoesNotContain(detect.Quarantine, q => q.Path == "ann/photo.jpg");

        var none = Pack(FacePolicy.None);
        Assert.Equal(4, none.Manifest.SampleCount);
        Assert.Empty(none.Quarantine);
        Assert.False(File.Exists(Path.Combine(_dir, FacePolicy.None, FaceExamples.File))); // no faces looked for, none to show
    }

    [Fact]
    public void The_aligned_photo_puts_the_face_on_the_template_where_its_centre_crop_does_not()
    {
        Write("ann/photo.jpg", SyntheticPhoto.Render(500, 600, [new FacePlacement(1, 170, 380, 200)], seed: 7, difficulty: 0));
        Assert.Equal(1, Pack(FacePolicy.Auto).Manifest.SampleCount);
        Assert.Equal(1, Pack(FacePolicy.None).Manifest.SampleCount);
        using var aligned = DatasetLoader.Load(Path.Combine(_dir, FacePolicy.Auto));
        using var centre = DatasetLoader.Load(Path.Combine(_dir, FacePolicy.None));
        using var detector = new YuNetDetector(new DetectorOptions { IntraOpThreads = 1 });
        float Distance(ImageSet set)
        {
            var face = Assert.Single(detector.Detect(RgbaImage.FromRgb(set.Image(0), set.Size, set.Size)));
            return AlignedCrop.TemplateDistance(face.Landmarks, set.Size);
        }
        Assert.True(Distance(aligned) <= AlignedCrop.Tolerance * 112, $"aligned: {Distance(aligned)} px off the template");
        Assert.True(Distance(centre) > AlignedCrop.Tolerance * 112, $"centre crop: {Distance(centre)} px off the template");
    }

    [Fact]
    public void An_unknown_policy_names_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => FacePolicy.For("landmark"));
        Assert.Contains("auto, detect, landmarks, none", e.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
