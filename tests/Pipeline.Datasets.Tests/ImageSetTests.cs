namespace Pipeline.Datasets.Tests;

public class ImageSetTests
{
    // Image i of a 2x2 set is 12 bytes, all equal to i + 1.
    private static byte[] Images(int from, int count) =>
        Enumerable.Range(from, count).SelectMany(i => Enumerable.Repeat((byte)(i + 1), 12)).ToArray();

    private static ImageSet Blocks(IDisposable? owner = null) => new(2,
        [Images(0, 3), Images(3, 1), Array.Empty<byte>(), Images(4, 2)],
        [0, 1, 2, 0, 1, 2], ["a/0", "b/1", "c/2", "a/3", "b/4", "c/5"], ["a", "b", "c"], owner);

    [Fact]
    public void Samples_count_across_blocks_in_order()
    {
        using var set = Blocks();
        Assert.Equal(6, set.Count);
        for (int i = 0; i < set.Count; i++) Assert.Equal(Enumerable.Repeat((byte)(i + 1), 12), set.Image(i).ToArray());
        Assert.Equal(Images(0, 6), set.CopyPixels());
    }

    [Fact]
    public void Blocks_must_hold_whole_images_and_one_per_label()
    {
        var partial = Assert.Throws<ArgumentException>(() => new ImageSet(2, [new byte[13]], [0], ["a/0"], ["a"]));
        Assert.Contains("whole 2x2x3 images", partial.Message);
        var count = Assert.Throws<ArgumentException>(() => new ImageSet(2, [Images(0, 2)], [0], ["a/0"], ["a"]));
        Assert.Contains("hold 2 images", count.Message);
    }

    [Fact]
    public void A_subset_is_a_view_that_renumbers_or_keeps_identities()
    {
        using var set = Blocks();
        using var renumbered = set.Subset([5, 2, 4]);
        Assert.Equal(["c", "b"], renumbered.Identities);
        Assert.Equal([0, 0, 1], renumbered.Labels);
        Assert.Equal(["c/5", "c/2", "b/4"], renumbered.Paths);
        Assert.Equal(Images(5, 1).Concat(Images(2, 1)).Concat(Images(4, 1)), renumbered.CopyPixels());

        using var kept = set.Subset([4, 1], keepIdentities: true);
        Assert.Equal(set.Identities, kept.Identities);
        Assert.Equal([1, 1], kept.Labels);
        using var ofView = kept.Subset([1]);
        Assert.Equal(Images(1, 1), ofView.CopyPixels());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Subset([6]));
    }

    [Fact]
    public void The_owner_is_released_with_the_last_view()
    {
        var owner = new CountingOwner();
        var set = Blocks(owner);
        var view = set.Subset([1, 3]);
        set.Dispose();
        set.Dispose();
        Assert.Equal(0, owner.Disposals);
        Assert.Throws<ObjectDisposedException>(() => set.Image(0));
        Assert.Equal(Images(1, 1), view.Image(0).ToArray()); // the view still reads its pixels
        view.Dispose();
        Assert.Equal(1, owner.Disposals);
    }

    [Fact]
    public void A_mapped_folder_loads_the_same_samples_as_a_stream_store_and_unmaps_on_dispose()
    {
        using var dir = new TempDir();
        DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, TestArchives.SmallSet())),
            new PackOptions { DatasetId = "t", ShardSize = 4, TempDirectory = dir.Path }, DatasetFiles.WriterFor(dir["out"]));
        var fromStreams = DatasetLoader.Load(name => File.OpenRead(Path.Combine(dir["out"], name)), verifyHashes: true);
        var mapped = DatasetLoader.Load(dir["out"], verifyHashes: true);
        if (Directory.Exists("/proc/self/fd")) // the mappings hold no file open (a web-scale set has thousands of shards)
            Assert.DoesNotContain(Directory.GetFiles("/proc/self/fd").Select(fd => new FileInfo(fd).LinkTarget ?? ""), t => t.Contains(dir["out"]));
        Assert.Equal(fromStreams.Paths, mapped.Paths);
        Assert.Equal(fromStreams.Labels, mapped.Labels);
        Assert.Equal(fromStreams.CopyPixels(), mapped.CopyPixels());

        var lastShard = mapped.Subset([9]);
        mapped.Dispose();
        Assert.Equal(fromStreams.Image(9).ToArray(), lastShard.Image(0).ToArray());
        lastShard.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lastShard.Image(0));
        File.Delete(dir["out/shard-00002.bin"]); // nothing holds the file any more
    }

    [Fact]
    public void A_truncated_shard_is_refused_with_its_name()
    {
        using var dir = new TempDir();
        DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, TestArchives.SmallSet())),
            new PackOptions { DatasetId = "t", ShardSize = 4, TempDirectory = dir.Path }, DatasetFiles.WriterFor(dir["out"]));
        var shard = dir["out/shard-00001.bin"];
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^100]);
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(dir["out"]));
        Assert.Contains("shard-00001.bin", error.Message);
        using var rest = DatasetLoader.Load(dir["out"], [0, 2]); // the other shards still load
        Assert.Equal(6, rest.Count);
    }

    private sealed class CountingOwner : IDisposable
    {
        public int Disposals { get; private set; }
        public void Dispose() => Disposals++;
    }
}
