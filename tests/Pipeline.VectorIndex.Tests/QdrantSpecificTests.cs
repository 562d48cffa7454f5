using Pipeline.VectorIndex.Qdrant;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace Pipeline.VectorIndex.Tests;

/// <summary>Qdrant details the shared contract cannot see: distance, payload indexes, id mapping.</summary>
public sealed class QdrantSpecificTests : IDisposable
{
    private readonly string _prefix = $"q{Guid.NewGuid():N}"[..13] + "-";

    public void Dispose()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(QdrantFactAttribute.Variable)))
            QdrantTestServer.DeleteEverythingStartingWith(_prefix);
    }

    [QdrantFact]
    public async Task Collection_UsesCosine_AndIndexesEveryFilterKey()
    {
        using var index = QdrantVectorIndex.Connect(QdrantTestServer.Url);
        var name = _prefix + "schema";
        await index.CreateCollectionAsync(name, 16);

        using var client = new QdrantClient(QdrantTestServer.Url);
        var info = await client.GetCollectionInfoAsync(name);
        Assert.Equal(Distance.Cosine, info.Config.Params.VectorsConfig.Params.Distance);
        foreach (var key in new[] { "identity", "dataset_id", "model_id", "point_id" })
            Assert.Equal(PayloadSchemaType.Keyword, info.PayloadSchema[key].DataType);
    }

    [QdrantFact]
    public async Task Points_AreStoredUnderTheirUuid_WithTheOriginalIdInPayload()
    {
        using var index = QdrantVectorIndex.Connect(QdrantTestServer.Url, exactSearch: true);
        var name = _prefix + "ids";
        await index.CreateCollectionAsync(name, 16);
        var point = TestData.Points(1, 16, "m1", seed: 1, idPrefix: "celebs/0001.jpg#")[0];
        await index.UpsertAsync(name, [point]);

        using var client = new QdrantClient(QdrantTestServer.Url);
        var stored = (await client.RetrieveAsync(name, QdrantPointIds.ToUuid(point.Id), withPayload: true)).Single();
        Assert.Equal(point.Id, stored.Payload["point_id"].StringValue);
        Assert.Equal(point.Id, (await index.SearchAsync(name, [point.Vector], top: 1))[0][0].Id);
    }
}
