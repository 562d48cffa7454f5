using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;

namespace Pipeline.Artifacts.Tests;

public sealed class ArtifactStoreTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-artifacts-").FullName;

    [Fact]
    public async Task A_dataset_in_a_local_folder_store_is_read_in_place_not_copied_to_the_work_folder()
    {
        var synth = Path.Combine(_tmp, "synth");
        new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 4, PerIdentity = 5, HoldoutIdentities = 0, Seed = 2 }).Generate(synth, null, default);
        var packed = Path.Combine(_tmp, "packed");
        DatasetPacker.Pack(DatasetSource.Open(Path.Combine(synth, "train")), new PackOptions { DatasetId = "ds", ImageSize = 64, ShardSize = 8 },
            DatasetFiles.WriterFor(packed));
        var blobs = new LocalFolderBlobStore(Path.Combine(_tmp, "blobs"));
        foreach (var f in Directory.GetFiles(packed).OrderBy(f => f.EndsWith(DatasetFiles.Manifest)))
            await blobs.UploadFileAsync(BlobContainers.Datasets, $"ds/{Path.GetFileName(f)}", f);
        var work = Path.Combine(_tmp, "work");
        var store = new ArtifactStore(blobs, work);

        using var expected = DatasetLoader.Load(packed, [1, 2]);
        using (var set = await store.LoadDatasetAsync("ds", [1, 2]))
        {
            Assert.Equal(expected.Paths, set.Paths);
            Assert.Equal(expected.Labels, set.Labels);
            Assert.Equal(expected.CopyPixels(), set.CopyPixels());
        }
        Assert.False(Directory.Exists(Path.Combine(work, "datasets")), "the shards were copied into the work folder");
        Assert.Null(blobs.LocalFile(BlobContainers.Datasets, "ds/shard-09999.bin"));
    }

    [Fact]
    public async Task Json_artifacts_are_streamed_through_a_temporary_file_that_is_removed()
    {
        var work = Path.Combine(_tmp, "work");
        var store = new ArtifactStore(new LocalFolderBlobStore(Path.Combine(_tmp, "blobs")), work);
        var keep = new KeepList("ds", "r-1", "class-margin", 92.5, 3, 1, ["a/1.jpg", "b/2.jpg", "ü/3.jpg"]);
        await store.PutJsonAsync(BlobContainers.Datasets, "ds/purified-r-1/manifest.json", keep, default);
        var back = await store.GetJsonAsync<KeepList>(BlobContainers.Datasets, "ds/purified-r-1/manifest.json", default);
        Assert.Equal(keep.KeptPaths, back!.KeptPaths);
        Assert.Equal(keep with { KeptPaths = back.KeptPaths }, back);
        Assert.Empty(Directory.GetFiles(Path.Combine(work, "tmp")));
        Assert.Null(await store.GetJsonAsync<KeepList>(BlobContainers.Datasets, "ds/none.json", default));
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }
}
