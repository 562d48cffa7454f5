using System.Runtime.InteropServices;
using Pipeline.Infra.Blobs;

namespace Pipeline.Purifier;

/// <summary>
/// One shard's scores, datasets/&lt;id&gt;/purified-&lt;run&gt;/cosines/shard-NNNNN.json: each sample's cosine
/// to each of its own class's K sub-centers (N x K), all the paper's rule needs. The class-center
/// scores also need the embeddings (N x <see cref="Dim"/> float32, little-endian) in
/// purified-&lt;run&gt;/embeddings/shard-NNNNN.f32; <see cref="Dim"/> is 0 when they were not stored.
/// </summary>
public sealed record ShardCosines(int Shard, int K, IReadOnlyList<string> Paths, IReadOnlyList<int> Labels, float[] Cosines, int Dim = 0)
{
    public static string PathFor(string datasetId, string runId, int shard) =>
        $"{Prefix(datasetId, runId)}shard-{shard:D5}.json";

    public static string Prefix(string datasetId, string runId) =>
        BlobPaths.PurifiedFolder(datasetId, runId) + "cosines/";

    public static string EmbeddingsPathFor(string datasetId, string runId, int shard) =>
        $"{BlobPaths.PurifiedFolder(datasetId, runId)}embeddings/shard-{shard:D5}.f32";

    public static async Task PutEmbeddingsAsync(IBlobStore blobs, string datasetId, string runId, int shard, float[] embeddings, CancellationToken ct)
    {
        using var content = new MemoryStream(MemoryMarshal.AsBytes(embeddings.AsSpan()).ToArray(), writable: false);
        await blobs.PutAsync(BlobContainers.Datasets, EmbeddingsPathFor(datasetId, runId, shard), content, overwrite: true, ct);
    }

    /// <summary>
    /// The local file holding this shard's embeddings (N x <see cref="Dim"/>): from a remote store, downloaded once to
    /// <paramref name="cacheDir"/> (the whitened class margin reads every shard five times); a local store's file in place.
    /// </summary>
    public async Task<string> LocalEmbeddingsAsync(IBlobStore blobs, string datasetId, string runId, string cacheDir, CancellationToken ct)
    {
        var path = EmbeddingsPathFor(datasetId, runId, Shard);
        if (Dim <= 0) throw new InvalidDataException($"{path}: shard {Shard} was scored without storing its embeddings");
        var local = blobs.LocalFile(BlobContainers.Datasets, path);
        if (local is null)
        {
            local = Path.Combine(cacheDir, Path.GetFileName(path));
            if (!File.Exists(local) || new FileInfo(local).Length != ExpectedBytes)
            {
                Directory.CreateDirectory(cacheDir);
                var partial = local + ".partial";
                await using (var source = await blobs.GetAsync(BlobContainers.Datasets, path, ct)
                    ?? throw new InvalidDataException($"{path}: embeddings of shard {Shard} vanished"))
                await using (var file = File.Create(partial))
                    await source.CopyToAsync(file, ct);
                File.Move(partial, local, overwrite: true);
            }
        }
        if (!File.Exists(local)) throw new InvalidDataException($"{path}: embeddings of shard {Shard} vanished");
        return local;
    }

    private long ExpectedBytes => (long)Paths.Count * Dim * sizeof(float);

    /// <summary>
    /// This shard's embeddings from <paramref name="file"/> (<see cref="LocalEmbeddingsAsync"/>), checked against its sample
    /// count, read straight into the array returned: no byte copy of the shard beside it.
    /// </summary>
    public float[] ReadEmbeddings(string file)
    {
        using var stream = File.OpenRead(file);
        if (stream.Length != ExpectedBytes)
            throw new InvalidDataException($"{file}: {stream.Length} bytes, expected {Paths.Count} x {Dim} float32 = {ExpectedBytes}");
        var values = new float[Paths.Count * Dim];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
