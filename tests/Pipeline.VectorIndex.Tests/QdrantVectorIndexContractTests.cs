using Pipeline.VectorIndex.Qdrant;
using Qdrant.Client;

namespace Pipeline.VectorIndex.Tests;

[RequiresEnvironment(QdrantFactAttribute.Variable, "start Qdrant and export e.g. QDRANT_URL=http://localhost:6334 (gRPC) to run")]
public sealed class QdrantVectorIndexContractTests : VectorIndexContract
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13] + "-";

    // Exact search: the contract compares with brute force, and HNSW is approximate by design.
    protected override IVectorIndex OpenIndex() => QdrantVectorIndex.Connect(QdrantTestServer.Url, exactSearch: true);

    protected override string Name(string local) => _prefix + local;

    public override void Dispose()
    {
        base.Dispose();
        QdrantTestServer.DeleteEverythingStartingWith(_prefix);
    }
}

internal static class QdrantTestServer
{
    public static Uri Url => new(Environment.GetEnvironmentVariable(QdrantFactAttribute.Variable)!);

    /// <summary>Removes this test's aliases and collections, leaving whatever else the server holds.</summary>
    public static void DeleteEverythingStartingWith(string prefix)
    {
        using var client = new QdrantClient(Url);
        foreach (var alias in client.ListAliasesAsync().GetAwaiter().GetResult().Where(a => a.AliasName.StartsWith(prefix, StringComparison.Ordinal)))
            client.DeleteAliasAsync(alias.AliasName).GetAwaiter().GetResult();
        foreach (var name in client.ListCollectionsAsync().GetAwaiter().GetResult().Where(c => c.StartsWith(prefix, StringComparison.Ordinal)))
            client.DeleteCollectionAsync(name).GetAwaiter().GetResult();
    }
}
