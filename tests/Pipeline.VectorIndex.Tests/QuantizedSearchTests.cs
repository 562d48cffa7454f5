using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

/// <summary>The embedded index's int8 collections: recall against exact, exact re-scored cosines, codes kept in step.</summary>
public sealed class QuantizedSearchTests : IDisposable
{
    private readonly string _root = TestData.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private EmbeddedVectorIndex Open(int oversampling = VectorQuantizationDefaults.Oversampling) =>
        new(_root, new EmbeddedIndexOptions { DurableWrites = false, Oversampling = oversampling });

    private static async Task Fill(EmbeddedVectorIndex index, List<FacePoint> points, int batch = 4096)
    {
        await index.CreateCollectionAsync("q", points[0].Vector.Length, VectorQuantization.Int8);
        for (var start = 0; start < points.Count; start += batch)
            await index.UpsertAsync("q", points.Skip(start).Take(batch).ToList());
    }

    /// <summary>recall@10 of the index against the double-precision brute force, and a check that every score is the exact cosine.</summary>
    private static async Task<double> Recall(EmbeddedVectorIndex index, List<FacePoint> points, List<float[]> queries)
    {
        var results = await index.SearchAsync("q", queries, top: 10);
        var found = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            var truth = TestData.BruteForce(points, queries[q]);
            var cosine = truth.ToDictionary(t => t.Id, t => t.Score);
            Assert.All(results[q], m => Assert.InRange(m.Score, cosine[m.Id] - 1e-5, cosine[m.Id] + 1e-5));
            Assert.Equal(results[q].OrderByDescending(m => m.Score).Select(m => m.Id), results[q].Select(m => m.Id));
            found += results[q].Select(m => m.Id).Intersect(truth.Take(10).Select(t => t.Id)).Count();
        }
        return found / (10.0 * queries.Count);
    }

    public static TheoryData<string> DataKinds => ["random", "clustered"];

    private static (List<FacePoint> Points, List<float[]> Queries) Data(string kind)
    {
        const int n = 20_000, dim = 512;
        if (kind == "random")
        {
            var rng = new Random(31);
            return (TestData.Points(n, dim, "m1", seed: 30), Enumerable.Range(0, 40).Select(_ => TestData.RandomVector(rng, dim)).ToList());
        }
        // 200 identities of 100 faces: a query's neighbours are its identity's faces, close together.
        var all = TestData.ClusteredPoints(n + 40, dim, clusters: 200, noise: 0.15f, seed: 32);
        return (all.Take(n).ToList(), all.Skip(n).Select(p => p.Vector).ToList());
    }

    [Theory]
    [MemberData(nameof(DataKinds))]
    public async Task Recall_AgainstExact_IsAtLeast99Percent_AtTheDefaultOversampling(string kind)
    {
        var (points, queries) = Data(kind);
        using var index = Open();
        await Fill(index, points);

        Assert.InRange(await Recall(index, points, queries), 0.99, 1.0);
    }

    [Fact]
    public async Task WithoutOversampling_TheCodesAloneMissNeighbours_SoTheScanReallyIsCompressed()
    {
        var (points, queries) = Data("random");
        using (var index = Open()) await Fill(index, points);

        using var bare = Open(oversampling: 1);
        Assert.InRange(await Recall(bare, points, queries), 0.5, 0.995);
    }

    [Fact]
    public async Task Codes_FollowGrowthReplacementsAndDeletes_AcrossChunks_AndARestart()
    {
        const int dim = 32;
        var points = TestData.Points(VectorStore.ChunkRows + 700, dim, "m1", seed: 33);
        using (var index = Open(oversampling: 1))
        {
            await Fill(index, points, batch: 500); // refits as it grows
            var moved = points.Where((_, i) => i % 97 == 0).Select((p, i) => p with { Vector = TestData.RandomVector(new Random(1000 + i), dim) }).ToList();
            await index.UpsertAsync("q", moved);
            var gone = points.Where((_, i) => i % 13 == 0 || i > VectorStore.ChunkRows + 400).Select(p => p.Id).ToHashSet(); // last rows move into the holes
            await index.DeleteAsync("q", gone.ToList());
            points = points.Where(p => !gone.Contains(p.Id)).Select(p => moved.FirstOrDefault(m => m.Id == p.Id) ?? p).ToList();
            await AssertEveryPointFindsItself(index, points);
        }
        using (var reopened = Open(oversampling: 1))
        {
            Assert.Equal(VectorQuantization.Int8, await reopened.QuantizationAsync("q"));
            await AssertEveryPointFindsItself(reopened, points);
        }
    }

    /// <summary>With one candidate per hit, a point's own vector comes first only if its code is its own.</summary>
    private static async Task AssertEveryPointFindsItself(EmbeddedVectorIndex index, List<FacePoint> points)
    {
        Assert.Equal(points.Count, await index.CountAsync("q"));
        var results = await index.SearchAsync("q", points.Select(p => p.Vector).ToList(), top: 1);
        for (var i = 0; i < points.Count; i++) Assert.Equal(points[i].Id, results[i][0].Id);
    }

    [Fact]
    public async Task Filters_ApplyToTheCandidates()
    {
        var points = TestData.Points(3000, 64, "m1", seed: 34);
        using var index = Open();
        await Fill(index, points);
        var filter = new FaceFilter(DatasetId: "ds-b");
        var query = TestData.RandomVector(new Random(35), 64);

        var hits = (await index.SearchAsync("q", [query], top: 10, filter))[0];

        Assert.All(hits, m => Assert.Equal("ds-b", m.Payload.DatasetId));
        TestData.AssertExactTopK(hits, TestData.BruteForce(points, query, filter), 10);
    }

    [Fact]
    public async Task UnknownQuantisationInTheHeader_IsReportedWithThePath()
    {
        using (var index = Open()) await index.CreateCollectionAsync("q", 8, VectorQuantization.Int8);
        var path = Path.Combine(_root, "q.fvlog");
        using (var file = new FileStream(path, FileMode.Open)) { file.Position = 12; file.WriteByte(7); }

        using var reopened = Open();
        var error = Assert.Throws<InvalidDataException>(() => reopened.Load("q"));
        Assert.Contains("q.fvlog", error.Message);
        Assert.Contains("quantisation 7", error.Message);
    }

    [Theory]
    [InlineData(1, 1, 32)]
    [InlineData(4, 2, 512)]
    [InlineData(7, 9, 512)]   // tails on both axes of the 4x2 tile
    [InlineData(2, 13, 64)]   // lone queries: the 1x4 tile plus a row tail
    public void Int8Kernel_MatchesPlainLoops(int queryCount, int rowCount, int stride)
    {
        var rng = new Random(queryCount * 1000 + rowCount + stride);
        var queries = Enumerable.Range(0, queryCount * stride).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        var codes = Enumerable.Range(0, rowCount * stride).Select(_ => (byte)rng.Next(0, 256)).ToArray();
        var scores = new float[queryCount * rowCount];

        Int8Kernel.Scores(queries, queryCount, codes, rowCount, stride, scores);

        for (var q = 0; q < queryCount; q++)
            for (var r = 0; r < rowCount; r++)
            {
                long expected = 0;
                for (var i = 0; i < stride; i++) expected += queries[q * stride + i] * codes[r * stride + i];
                Assert.Equal(expected, (long)scores[q * rowCount + r]);
            }
    }

    [Fact]
    public void Quantizer_CodesRankRowsAsTheirCosinesDo()
    {
        const int dim = 100; // not a multiple of the kernel width: the padding must not count
        var store = new VectorStore(dim);
        var rng = new Random(36);
        for (var i = 0; i < 500; i++) store.Upsert($"r{i}", VectorMath.Normalized(TestData.RandomVector(rng, dim), "row"), new FacePayload("x", "d", "m"));
        store.Quantize();
        var codes = store.Codes!;
        var query = VectorMath.Normalized(TestData.RandomVector(rng, dim), "query");
        var queryCode = new sbyte[codes.Stride];
        codes.Quantizer.EncodeQuery(query, queryCode);
        var approx = new float[store.Count];
        Int8Kernel.Scores(queryCode, 1, codes.Rows(0, store.Count), store.Count, codes.Stride, approx);

        // approx = scale * (cosine - constant): a straight line through the exact cosines.
        var exact = Enumerable.Range(0, store.Count).Select(r => TestData.Cosine(query, store.Row(r).ToArray())).ToArray();
        Assert.True(Correlation(exact, approx.Select(a => (double)a).ToArray()) > 0.999);
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
