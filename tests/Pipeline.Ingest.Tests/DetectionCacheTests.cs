using Pipeline.Alignment;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;

namespace Pipeline.Ingest.Tests;

/// <summary>
/// The detection cache through the real packer, YuNet and a local-folder artifact store: a photo already seen by the same
/// detector at the same size is not detected again, and what is packed does not change.
/// </summary>
public sealed class DetectionCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detection-cache-").FullName;
    private readonly LocalFolderBlobStore _blobs;
    private readonly FaceAligner _aligner = new();

    public DetectionCacheTests() => _blobs = new LocalFolderBlobStore(Path.Combine(_dir, "blobs"));

    public void Dispose()
    {
        _aligner.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string In => Path.Combine(_dir, "in");

    /// <summary>Five photos: four of one person (aligned), one of two equal people (multiple-faces).</summary>
    private void WritePhotos()
    {
        for (int i = 0; i < 4; i++) Write($"ann/{i}.jpg", Photo(seed: i));
        Write("bob/pair.jpg", SyntheticPhoto.Render(640, 400, [new FacePlacement(1, 170, 200, 180), new FacePlacement(2, 470, 200, 180)], seed: 9, difficulty: 0));
    }

    private static byte[] Photo(int seed) => SyntheticPhoto.Render(500, 600, [new FacePlacement(1, 250, 280, 220)], seed, difficulty: 0);

    private void Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(In, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Packs the photos with a fresh cache over the store (as each ingest makes one); returns the cache, the result and the packed files' bytes.</summary>
    private (DetectionCache Cache, PackResult Result, Dictionary<string, byte[]> Files) Pack(FaceAligner aligner, string name)
    {
        var cache = new DetectionCache(new BlobDetectionStore(_blobs));
        var output = Path.Combine(_dir, name);
        var result = DatasetPacker.Pack(DatasetSource.Open(In),
            new PackOptions { DatasetId = "d", ImageSize = 112, TempDirectory = _dir, FaceCrop = new AlignedFaceCrop(aligner, keepCrops: false, cache) },
            DatasetFiles.WriterFor(output));
        var files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(output, f), File.ReadAllBytes);
        return (cache, result, files);
    }

    private IReadOnlyList<BlobEntry> Entries() => _blobs.ListAsync(BlobContainers.Cache, "detections/").GetAwaiter().GetResult();

    [Fact]
    public void A_second_ingest_of_the_same_photos_runs_no_detection_and_packs_the_same_bytes()
    {
        WritePhotos();
        var cold = Pack(_aligner, "first");
        Assert.Equal((5L, 0L, 5L), (_aligner.Detections, cold.Cache.Hits, cold.Cache.Misses));
        Assert.Equal((4, QuarantineReasons.MultipleFaces), (cold.Result.Manifest.SampleCount, Assert.Single(cold.Result.Quarantine).Code));
        Assert.Equal(5, Entries().Count);

        var warm = Pack(_aligner, "second");
        Assert.Equal((5L, 5L, 0L, 0L), (_aligner.Detections, warm.Cache.Hits, warm.Cache.Misses, warm.Cache.Unusable));
        Assert.Equal(cold.Result.Quarantine, warm.Result.Quarantine);
        Assert.Equal(cold.Files.Keys.Order(), warm.Files.Keys.Order());
        foreach (var (name, bytes) in cold.Files) Assert.True(bytes.AsSpan().SequenceEqual(warm.Files[name]), name);
    }

    [Fact]
    public void A_changed_photo_or_another_detector_misses_the_cache()
    {
        WritePhotos();
        Pack(_aligner, "first");
        Write("ann/0.jpg", Photo(seed: 40));
        var changed = Pack(_aligner, "changed");
        Assert.Equal((6L, 4L, 1L), (_aligner.Detections, changed.Cache.Hits, changed.Cache.Misses));

        // Another input size finds other boxes: its faces are kept apart, and the first detector's stay.
        using var smaller = new FaceAligner(_aligner.Options with { Detector = _aligner.Options.Detector with { DetectionSize = 320 } });
        Assert.NotEqual(_aligner.DetectorIdentity, smaller.DetectorIdentity);
        var other = Pack(smaller, "other");
        Assert.Equal((5L, 0L, 5L), (smaller.Detections, other.Cache.Hits, other.Cache.Misses));
        Assert.Equal(11, Entries().Count);
        Assert.Equal(5L, Pack(_aligner, "again").Cache.Hits);
    }

    [Fact]
    public void A_corrupt_or_unreadable_entry_is_detected_again_and_overwritten()
    {
        WritePhotos();
        var cold = Pack(_aligner, "first");
        var files = Entries().Select(e => _blobs.LocalFile(BlobContainers.Cache, e.Path)!).Order(StringComparer.Ordinal).ToList();
        var whole = File.ReadAllBytes(files[0]);
        File.WriteAllBytes(files[0], whole[..(whole.Length / 2)]); // cut short
        var flipped = File.ReadAllBytes(files[1]);
        flipped[^20] ^= 0x40; // one bit of a landmark
        File.WriteAllBytes(files[1], flipped);
        File.WriteAllText(files[2], "not an entry");
        File.Delete(files[4]);
        Directory.CreateDirectory(files[4]); // a folder where the entry should be: reads as none, and the write fails

        var mended = Pack(_aligner, "mended");
        Assert.Equal((1L, 4L), (mended.Cache.Hits, mended.Cache.Misses));
        Assert.Equal(4L, mended.Cache.Unusable); // three that failed their checks, one that could not be written
        Assert.Equal(9L, _aligner.Detections);
        foreach (var (name, bytes) in cold.Files) Assert.True(bytes.AsSpan().SequenceEqual(mended.Files[name]), name);
        Assert.Equal(whole, File.ReadAllBytes(files[0]));

        // The mended entries now hit; the one the store cannot hold is detected each time, never fatal.
        var after = Pack(_aligner, "after");
        Assert.Equal((4L, 1L), (after.Cache.Hits, after.Cache.Misses));
    }

    [Fact]
    public void An_entry_decodes_only_for_its_detector_and_decoded_size()
    {
        var face = new FaceDetection(new RectF(10, 20, 30, 40), 0.9f, [new(1, 2), new(3, 4), new(5, 6), new(7, 8), new(9, 10)]);
        var entry = DetectionCache.Encode([face], "yunet a", 640, 480);
        var back = Assert.Single(DetectionCache.Decode(entry, "yunet a", 640, 480)!);
        Assert.Equal((face.Box, face.Score), (back.Box, back.Score));
        Assert.Equal(face.Landmarks, back.Landmarks);
        Assert.Null(DetectionCache.Decode(entry, "yunet b", 640, 480));
        Assert.Null(DetectionCache.Decode(entry, "yunet a", 320, 240));
        Assert.Empty(DetectionCache.Decode(DetectionCache.Encode([], "yunet a", 640, 480), "yunet a", 640, 480)!);
        Assert.NotEqual(DetectionCache.Key("yunet a", 1, 640, 480), DetectionCache.Key("yunet b", 1, 640, 480));
    }
}
