namespace Pipeline.Face.Purification;

/// <summary>
/// A set's L2-normalised embeddings as chunks read one at a time: a shard each in the Purifier (from its local
/// copy of the shard), one array in memory elsewhere. The class-center scores make a few passes over them and hold
/// one chunk at a time, so the set's size is bounded by neither memory nor one array. Reading a chunk is
/// synchronous: the passes are arithmetic, run on the trainer's own thread too, and a service fetches its chunks
/// before it scores.
/// </summary>
public sealed class EmbeddingChunks(int dim, int classes, IReadOnlyList<IReadOnlyList<int>> labels, Func<int, float[]> load)
{
    public int Dim => dim;
    public int Classes => classes;

    /// <summary>Each chunk's class labels, in sample order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Labels => labels;

    /// <summary>Every sample's class label, chunk after chunk.</summary>
    public int[] AllLabels() => labels.SelectMany(l => l).ToArray();

    /// <summary>Chunk <paramref name="chunk"/>'s embeddings, Labels[chunk].Count x Dim.</summary>
    public float[] Load(int chunk)
    {
        var embeddings = load(chunk);
        if (embeddings.Length != labels[chunk].Count * dim)
            throw new InvalidDataException($"embedding chunk {chunk} holds {embeddings.Length} floats, expected {labels[chunk].Count} x {dim}");
        return embeddings;
    }

    public static EmbeddingChunks InMemory(float[] embeddings, int dim, IReadOnlyList<int> labels, int classes) =>
        new(dim, classes, [labels], _ => embeddings);
}
