using Pipeline.VectorIndex.Embedded;
using Pipeline.VectorIndex.Qdrant;

namespace Pipeline.VectorIndex.Tests;

public sealed class ExactSearchKernelTests
{
    [Theory]
    [InlineData(1, 1, 16)]
    [InlineData(4, 2, 512)]
    [InlineData(7, 9, 512)]    // tails on both axes of the 4x2 tile
    [InlineData(9, 5, 64)]
    [InlineData(5, 3, 100)]    // dimension not a multiple of the vector width: fallback path
    [InlineData(3, 11, 8)]
    [InlineData(2, 13, 512)]   // leftover queries: the 1x4 tile plus a row tail
    public void DotKernel_MatchesPlainLoops(int queryCount, int rowCount, int dim)
    {
        var rng = new Random(queryCount * 1000 + rowCount + dim);
        var queries = TestData.RandomVector(rng, queryCount * dim);
        var rows = TestData.RandomVector(rng, rowCount * dim);
        var scores = new float[queryCount * rowCount];

        DotKernel.Scores(queries, queryCount, rows, rowCount, dim, scores);

        for (var q = 0; q < queryCount; q++)
            for (var r = 0; r < rowCount; r++)
            {
                double expected = 0;
                for (var i = 0; i < dim; i++) expected += (double)queries[q * dim + i] * rows[r * dim + i];
                Assert.InRange(scores[q * rowCount + r], expected - 1e-3, expected + 1e-3);
            }
    }

    [Fact]
    public void TopK_KeepsTheLargestScores_BestFirst()
    {
        var rng = new Random(1);
        var scores = Enumerable.Range(0, 5000).Select(_ => (float)rng.NextDouble()).ToArray();
        var heap = new TopK(17);
        for (var i = 0; i < scores.Length; i++) heap.Add(scores[i], i);

        var expected = scores.Select((s, i) => (s, i)).OrderByDescending(x => x.s).Take(17).Select(x => x.i);
        Assert.Equal(expected, heap.Sorted().Select(x => x.Row));
    }

    [Fact]
    public void VectorStore_DeleteMovesTheLastRowIntoTheHole_AcrossChunks()
    {
        var store = new VectorStore(4);
        var n = VectorStore.ChunkRows + 3;
        for (var i = 0; i < n; i++) store.Upsert($"r{i}", [i, 1, 0, 0], new FacePayload("x", "d", "m"));

        Assert.True(store.Delete("r5"));
        Assert.False(store.Delete("r5"));

        Assert.Equal(n - 1, store.Count);
        Assert.Equal($"r{n - 1}", store.IdAt(5));
        Assert.Equal(n - 1, store.Row(5)[0]);
        for (var i = 0; i < 3; i++) store.Delete($"r{VectorStore.ChunkRows + i - 1}");
        Assert.Equal(VectorStore.ChunkRows - 1, store.Count);
        Assert.True(store.Upsert("r0", [9, 9, 9, 9], new FacePayload("y", "d", "m")));
        Assert.Equal(9, store.Row(0)[0]);
    }

    [Fact]
    public void QdrantPointIds_AreStableVersion5Uuids()
    {
        var a = QdrantPointIds.ToUuid("celebs/0001.jpg");
        Assert.Equal(a, QdrantPointIds.ToUuid("celebs/0001.jpg"));
        Assert.NotEqual(a, QdrantPointIds.ToUuid("celebs/0002.jpg"));
        Assert.NotEqual(a, QdrantPointIds.ToUuid("CELEBS/0001.jpg"));
        var text = a.ToString();
        Assert.Equal('5', text[14]);
        Assert.Contains(text[19], "89ab");
    }

    [Theory]
    [InlineData("run42/k1", "faces-run42_k1")]
    [InlineData("a..b", "faces-a_.b")]
    public void CollectionNames_ForModel_AreValidNames(string model, string expected)
    {
        Assert.Equal(expected, CollectionNames.ForModel(model));
        CollectionNames.Validate(CollectionNames.ForModel(model));
    }
}
