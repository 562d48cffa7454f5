namespace Pipeline.Datasets.Tests;

public class DatasetPackerTests
{
    private static PackOptions Options(TempDir dir, int shardSize = 4096) => new() { DatasetId = "t", ShardSize = shardSize, TempDirectory = dir.Path };

    [Fact]
    public void Packed_shards_load_back_to_exactly_the_validated_pixels()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        var result = DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, files)), Options(dir, shardSize: 4), DatasetFiles.WriterFor(dir["out"]));
        Assert.Equal(10, result.Manifest.SampleCount);
        Assert.Equal([4, 4, 2], result.Manifest.Shards.Select(s => s.Count));
        Assert.Empty(result.Quarantine);

        var set = DatasetLoader.Load(dir["out"], verifyHashes: true);
        Assert.Equal(files.Keys, set.Paths);
        Assert.Equal(["alice", "bob", "carol"], set.Identities);
        var validator = new ImageValidator();
        for (int i = 0; i < set.Count; i++)
        {
            Assert.Equal(set.Paths[i].Split('/')[0], set.Identities[set.Labels[i]]);
            Assert.Equal(validator.Validate(files[set.Paths[i]]).Pixels, set.Image(i).ToArray());
        }
    }

    [Fact]
    public void A_subset_of_shards_loads_with_the_full_identity_list()
    {
        using var dir = new TempDir();
        DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, TestArchives.SmallSet())), Options(dir, shardSize: 4), DatasetFiles.WriterFor(dir["out"]));
        var all = DatasetLoader.Load(dir["out"]);
        var middle = DatasetLoader.Load(dir["out"], [1]);
        Assert.Equal(4, middle.Count);
        Assert.Equal(all.Paths.Skip(4).Take(4), middle.Paths);
        Assert.Equal(all.Identities, middle.Identities);
        Assert.Equal(all.CopyPixels().AsSpan(4 * all.ImageBytes, 4 * all.ImageBytes).ToArray(), middle.CopyPixels());
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetLoader.Load(dir["out"], [3]));
    }

    [Fact]
    public async Task Same_content_gives_the_same_bytes_from_any_source_and_sink()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        var sources = new IDatasetSource[]
        {
            new DirectorySource(TestArchives.Folder(dir, files)),
            new TarSource(TestArchives.Tar(dir, files.Reverse())),
            new ZipSource(TestArchives.Zip(dir, files.Reverse())),
        };
        var manifests = new List<DatasetManifest>();
        foreach (var source in sources)
            manifests.Add((await DatasetPacker.PackToDirectoryAsync(source, Options(dir, 3), dir["out-" + manifests.Count])).Manifest);

        // And once more into memory, as a blob store would receive it.
        var blobs = new Dictionary<string, MemoryStream>();
        var inMemory = await DatasetPacker.PackAsync(sources[0], Options(dir, 3), name => blobs[name] = new MemoryStream());
        Assert.Equal(["manifest.json", "quarantine.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin", "shard-00003.bin"], blobs.Keys.Order());
        manifests.Add(inMemory.Manifest);

        foreach (var m in manifests)
        {
            Assert.Equal(manifests[0].Shards, m.Shards);
            Assert.Equal(manifests[0].Identities, m.Identities);
        }
        Assert.Equal(File.ReadAllBytes(dir["out-0/shard-00001.bin"]), blobs["shard-00001.bin"].ToArray());
        var fromBlobs = DatasetLoader.Load(name => new MemoryStream(blobs[name].ToArray()), verifyHashes: true);
        Assert.Equal(DatasetLoader.Load(dir["out-1"]).CopyPixels(), fromBlobs.CopyPixels());
    }

    [Fact]
    public void Tampered_shard_fails_hash_verification()
    {
        using var dir = new TempDir();
        DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, TestArchives.SmallSet())), Options(dir), DatasetFiles.WriterFor(dir["out"]));
        var shard = dir["out/shard-00000.bin"];
        var bytes = File.ReadAllBytes(shard);
        bytes[^10] ^= 1;
        File.WriteAllBytes(shard, bytes);
        DatasetLoader.Load(dir["out"]);
        Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(dir["out"], verifyHashes: true));
    }

    [Fact]
    public void Shard_header_is_versioned_and_checked()
    {
        var ms = new MemoryStream();
        var writer = new ShardWriter(ms, 2, [0, 1], ["a/1.jpg", "b/ü.jpg"]);
        writer.Append(new byte[12]);
        writer.Append(Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
        writer.Complete();
        var bytes = ms.ToArray();
        Assert.Equal("PDSH"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, BitConverter.ToUInt16(bytes, 4));

        var read = new MemoryStream(bytes);
        var header = ShardFile.ReadHeader(read);
        Assert.Equal(["a/1.jpg", "b/ü.jpg"], header.Paths);
        Assert.Equal([0, 1], header.Labels);
        Assert.Equal(read.Position, header.PixelOffset);
        var pixels = new byte[header.PixelBytes];
        ShardFile.ReadPixels(read, header, pixels);
        Assert.Equal(11, pixels[^1]);

        bytes[4] = 9;
        Assert.Throws<InvalidDataException>(() => ShardFile.ReadHeader(new MemoryStream(bytes)));
        bytes[0] = (byte)'X';
        Assert.Throws<InvalidDataException>(() => ShardFile.ReadHeader(new MemoryStream(bytes)));
        var incomplete = new ShardWriter(new MemoryStream(), 2, [0], ["a/1.jpg"]);
        Assert.Throws<InvalidOperationException>(incomplete.Complete);
    }

    [Fact]
    public void Progress_reports_reach_the_final_counts()
    {
        using var dir = new TempDir();
        var reports = new List<PackProgress>();
        var progress = new SyncProgress(reports.Add);
        DatasetPacker.Pack(new DirectorySource(TestArchives.Folder(dir, TestArchives.SmallSet())), Options(dir) with { BatchSize = 3 }, DatasetFiles.WriterFor(dir["out"]), progress);
        Assert.Equal(new PackProgress(10, 10, 0), reports[^1]);
    }

    private sealed class SyncProgress(Action<PackProgress> report) : IProgress<PackProgress>
    {
        public void Report(PackProgress value) { lock (this) report(value); }
    }
}
