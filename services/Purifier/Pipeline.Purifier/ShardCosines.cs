using System.Runtime.InteropServices;
using Pipeline.Infra.Blobs;

namespace Pipeline.Purifier;

/// <summary>
/// One shard's scores, datasets/&lt;id&gt;/purified-&lt;run&gt;/cosines/shard-NNNNN.json: each sample's cosine
/// to each of its own class's K sub-centers (N x K), all the paper's rule needs. The class-centre
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
    /// This shard's embeddings (N x <see cref="Dim"/>), checked against its sample count. From a remote store the first
    /// read downloads them to <paramref name="cacheDir"/> and later reads take that copy: the whitened class margin reads
    /// every shard five times. A local store's file is read in place.
    /// </summary>
    public async Task<float[]> GetEmbeddingsAsync(IBlobStore blobs, string datasetId, string runId, string cacheDir, CancellationToken ct)
    {
        var path = EmbeddingsPathFor(datasetId, runId, Shard);
        if (Dim <= 0) throw new InvalidDataException($"{path}: shard {Shard} was scored without storing its embeddings");
        long expected = (long)Paths.Count * Dim * sizeof(float);
        var local = blobs.LocalFile(BlobContainers.Datasets, path);
        if (local is null)
        {
            local = Path.Combine(cacheDir, Path.GetFileName(path));
            if (!File.Exists(local) || new FileInfo(local).Length != expected)
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
        return ReadFloats(local, path, expected);
    }

    /// <summary>The file's float32 values read straight into the array returned: no byte copy of the shard beside it.</summary>
    private float[] ReadFloats(string file, string path, long expected)
    {
        using var stream = File.OpenRead(file);
        if (stream.Length != expected)
            throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {Paths.Count} x {Dim} float32 = {expected}");
        var values = new float[Paths.Count * Dim];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
