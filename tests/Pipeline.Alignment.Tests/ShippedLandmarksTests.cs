using System.Globalization;
using Pipeline.Datasets;

namespace Pipeline.Alignment.Tests;

/// <summary>
/// The <c>landmarks</c> face alignment: both shipped formats read with their point order, photos matched by path, and
/// through the real packer the shipped points give the crop that detection gives.
/// </summary>
public sealed class ShippedLandmarksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("landmarks-").FullName;

    private string In(string relative) => Path.Combine(_dir, "in", relative);

    private void Write(string relative, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(In(relative))!);
        File.WriteAllBytes(In(relative), bytes);
    }

    private static string Celeb(string name, PointF[] p) =>
        name + " " + string.Join(" ", p.Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.X:F1} {q.Y:F1}")));

    private PackResult Pack(string policy) => PackInto(In(""), policy, policy);

    [Fact]
    public void Shipped_points_give_the_crop_detection_gives_and_a_photo_without_a_line_is_quarantined()
    {
        var photo = SyntheticPhoto.Render(500, 600, [new FacePlacement(1, 230, 300, 220)], seed: 11, difficulty: 0);
        Write("ann/photo.jpg", photo);
        Write("ann/unlisted.jpg", SyntheticPhoto.Render(500, 600, [new FacePlacement(2, 230, 300, 220)], seed: 12, difficulty: 0));
        using var detector = new YuNetDetector(new DetectorOptions { IntraOpThreads = 1 });
        var face = Assert.Single(detector.Detect(RgbaImage.Decode(photo, "photo.jpg")));
        // CelebA's layout: the line count, the column names, then a line per photo, keyed by file name.
        File.WriteAllLines(In("list_landmarks_celeba.txt"),
            ["1", "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y", Celeb("photo.jpg", face.Landmarks)]);
        File.WriteAllText(In("pairs.txt"), "1\t1\n");

        var shipped = Pack(FacePolicy.Landmarks);
        Assert.Equal(1, shipped.Manifest.SampleCount);
        var q = Assert.Single(shipped.Quarantine); // neither the landmarks file nor the pair list is a quarantined image
        Assert.Equal(("ann/unlisted.jpg", QuarantineReasons.NoLandmarks), (q.Path, q.Code));
        Assert.Contains("list_landmarks_celeba.txt has no line for it", q.Reason);

        Assert.Equal(2, Pack(FacePolicy.Detect).Manifest.SampleCount);
        using var a = DatasetLoader.Load(Path.Combine(_dir, FacePolicy.Landmarks));
        using var d = DatasetLoader.Load(Path.Combine(_dir, FacePolicy.Detect));
        // Same points, decoded at different JPEG scales: the crops differ only by resampling.
        var x = a.Image(0).ToArray();
        var y = d.Image(d.Paths.ToList().IndexOf("ann/photo.jpg")).ToArray();
        double mean = Enumerable.Range(0, x.Length).Average(i => Math.Abs(x[i] - y[i]));
        Assert.True(mean < 6, $"mean pixel difference {mean:F2}");
        var onTemplate = Assert.Single(detector.Detect(RgbaImage.FromRgb(x, 112, 112)));
        Assert.True(AlignedCrop.TemplateDistance(onTemplate.Landmarks, 112) <= AlignedCrop.Tolerance * 112);
    }

    [Fact]
    public void Insightface_lst_lines_carry_five_x_then_five_y_after_the_box()
    {
        var table = LandmarkFiles.Parse("landmarks.lst",
        [
            "0\tcelebs/ann/1.jpg\t0\t10\t20\t110\t140\t30\t70\t50\t35\t65\t40\t41\t60\t80\t79",
            "0\tcelebs/bob/2.jpg\t1", // no box, no points: no line for it
        ]);
        var p = table.For("ann/1.jpg")!; // matched by its identity/file tail
        Assert.Equal([new PointF(30, 40), new PointF(70, 41), new PointF(50, 60), new PointF(35, 80), new PointF(65, 79)], p);
        Assert.Null(table.For("bob/2.jpg"));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Photos_match_by_path_then_an_unshared_tail_then_a_bare_file_name()
    {
        string Line(string name, float x) => Celeb(name, [new(x, 1), new(x + 10, 1), new(x + 5, 6), new(x + 1, 10), new(x + 9, 10)]);
        var table = LandmarkFiles.Parse("landmarks.txt",
            [Line("ann/1.jpg", 1), Line("x/cat/2.jpg", 3), Line("3.jpg", 4), Line("a/dog/5.jpg", 5), Line("b/dog/5.jpg", 6)]);
        Assert.Equal(1, table.For("ann/1.jpg")![0].X);
        Assert.Equal(3, table.For("cat/2.jpg")![0].X); // the tail of x/cat/2.jpg
        Assert.Equal(4, table.For("dan/3.jpg")![0].X); // CelebA keys by file name alone
        Assert.Null(table.For("eve/1.jpg"));          // ann/1.jpg is another photo of that name
        Assert.Null(table.For("dog/5.jpg"));          // two lines end in dog/5.jpg: neither is taken
    }

    [Fact]
    public void Bad_lines_and_a_missing_file_say_where_and_why()
    {
        var e = Assert.Throws<InvalidDataException>(() => LandmarkFiles.Parse("landmarks.txt", ["a/1.jpg 1 2 3 4 5 6 7 8 9 x"]));
        Assert.Contains("landmarks.txt:1: coordinate 10 'x'", e.Message);
        e = Assert.Throws<InvalidDataException>(() => LandmarkFiles.Parse("landmarks.txt", ["5", "header", "a/1.jpg 1 2 3"]));
        Assert.Contains("landmarks.txt:3: expected a name and ten coordinates", e.Message);
        Directory.CreateDirectory(In(""));
        var missing = Assert.Throws<FileNotFoundException>(() => FacePolicy.For(FacePolicy.Landmarks, In("")));
        Assert.Contains("landmarks.txt, landmarks.lst", missing.Message);
    }

    [Fact]
    public void A_landmarks_file_inside_a_zip_or_a_tar_is_found_and_used_as_in_a_folder()
    {
        Write("ann/a.jpg", SyntheticPhoto.Render(300, 300, [new FacePlacement(1, 150, 150, 150)], seed: 3, difficulty: 0));
        Write("ann/b.jpg", SyntheticPhoto.Render(300, 300, [new FacePlacement(1, 150, 150, 150)], seed: 4, difficulty: 0));
        File.WriteAllLines(In("landmarks.txt"), [Celeb("ann/a.jpg", [new(125, 140), new(175, 140), new(150, 165), new(130, 185), new(170, 185)])]);
        var folder = PackInto(In(""), "folder");
        Assert.Equal(1, folder.Manifest.SampleCount);
        Assert.Equal(("ann/b.jpg", QuarantineReasons.NoLandmarks), (Assert.Single(folder.Quarantine).Path, folder.Quarantine[0].Code));

        var zip = Path.Combine(_dir, "drop.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(In(""), zip);
        // The tar holds its landmarks after its photos: they are read in a pass of their own, before the packer meets the photos.
        var tar = Path.Combine(_dir, "drop.tar.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(tar), System.IO.Compression.CompressionLevel.Fastest))
        using (var writer = new System.Formats.Tar.TarWriter(gz))
            foreach (var name in new[] { "ann/a.jpg", "ann/b.jpg", "landmarks.txt" }) writer.WriteEntry(In(name), name);
        foreach (var archive in new[] { zip, tar })
        {
            var packed = PackInto(archive, Path.GetFileName(archive) + "-out");
            Assert.Equal(folder.Quarantine, packed.Quarantine);
            foreach (var file in new[] { "shard-00000.bin", DatasetFiles.Quarantine })
                Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "folder", file)), File.ReadAllBytes(Path.Combine(_dir, Path.GetFileName(archive) + "-out", file)));
        }

        File.Delete(In("landmarks.txt"));
        var bare = Path.Combine(_dir, "bare.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(In(""), bare);
        var missing = Assert.Throws<FileNotFoundException>(() => FacePolicy.For(FacePolicy.Landmarks, bare));
        Assert.Contains($"{bare}: face alignment 'landmarks' needs a landmarks file at the top of the dataset", missing.Message);
    }

    private PackResult PackInto(string input, string output, string policy = FacePolicy.Landmarks) =>
        DatasetPacker.Pack(DatasetSource.Open(input),
            new PackOptions { DatasetId = "p", ImageSize = 112, TempDirectory = _dir, FaceCrop = FacePolicy.For(policy, input) },
            DatasetFiles.WriterFor(Path.Combine(_dir, output)));

    [Fact]
    public void Degenerate_or_outside_points_are_quarantined_with_the_reason()
    {
        Write("ann/a.jpg", SyntheticPhoto.Render(300, 300, [new FacePlacement(1, 150, 150, 150)], seed: 3, difficulty: 0));
        Write("ann/b.jpg", SyntheticPhoto.Render(300, 300, [new FacePlacement(1, 150, 150, 150)], seed: 4, difficulty: 0));
        File.WriteAllLines(In("landmarks.txt"),
        [
            Celeb("ann/a.jpg", [new(100, 100), new(100, 100), new(120, 130), new(90, 160), new(130, 160)]),
            Celeb("ann/b.jpg", [new(900, 900), new(950, 900), new(920, 930), new(900, 960), new(950, 960)]),
        ]);
        var result = Pack(FacePolicy.Landmarks);
        Assert.Equal(0, result.Manifest.SampleCount);
        var reasons = result.Quarantine.ToDictionary(q => q.Path, q => q.Reason);
        Assert.Contains("both eyes on one point", reasons["ann/a.jpg"]);
        Assert.Contains("every point outside the 300x300 photo", reasons["ann/b.jpg"]);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
