namespace Pipeline.VectorIndex;

/// <summary>
/// Face embedding index. A collection holds the vectors of exactly one model version; an alias
/// (e.g. <c>faces</c>) names the collection currently served and is switched atomically once a new
/// model's collection is complete. A search <c>target</c> is an alias or a collection name and is
/// resolved once per call, so every result of one call comes from one collection: models never mix.
/// Vectors are L2-normalised on upsert and on query, so the score is the cosine similarity.
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>Creates an empty collection searched exactly; a no-op if it exists with the same dimension and no quantisation.</summary>
    Task CreateCollectionAsync(string name, int dimension, CancellationToken ct = default);

    /// <summary>Creates an empty collection searched with <paramref name="quantization"/>; a no-op if it exists with the same settings.</summary>
    Task CreateCollectionAsync(string name, int dimension, VectorQuantization quantization, CancellationToken ct = default);

    /// <summary>The quantisation the target's collection was created with.</summary>
    Task<VectorQuantization> QuantizationAsync(string target, CancellationToken ct = default);

    /// <summary>Inserts or replaces points by id. Every point of a collection must carry the same ModelId.</summary>
    Task UpsertAsync(string collection, IReadOnlyList<FacePoint> points, CancellationToken ct = default);

    /// <summary>Deletes points by id; unknown ids are ignored.</summary>
    Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct = default);

    /// <summary>Number of points in the target (alias or collection) that match the filter.</summary>
    Task<long> CountAsync(string target, FaceFilter? filter = null, CancellationToken ct = default);

    /// <summary>The stored points (unit vectors and payloads) of these ids in the target; unknown ids are left out.</summary>
    Task<IReadOnlyList<FacePoint>> RetrieveAsync(string target, IReadOnlyList<string> ids, CancellationToken ct = default);

    /// <summary>Top-<paramref name="top"/> matches per query, best first, all from the one collection the target names.</summary>
    Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> SearchAsync(
        string target, IReadOnlyList<float[]> queries, int top, FaceFilter? filter = null, CancellationToken ct = default);

    /// <summary>Points the alias at the collection, creating or switching it in one atomic step.</summary>
    Task SetAliasAsync(string alias, string collection, CancellationToken ct = default);

    /// <summary>The collection the alias points at, or null when there is no such alias.</summary>
    Task<string?> ResolveAsync(string alias, CancellationToken ct = default);

    /// <summary>Every alias and the collection it points at.</summary>
    Task<IReadOnlyDictionary<string, string>> ListAliasesAsync(CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken ct = default);

    /// <summary>Deletes a collection; refuses while an alias still points at it.</summary>
    Task DropCollectionAsync(string name, CancellationToken ct = default);
}
