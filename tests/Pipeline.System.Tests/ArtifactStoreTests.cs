using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.SystemTests;

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
        var store = new ArtifactStore(blobs, new ServiceSettings { WorkRoot = work });

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

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }
}
