namespace Pipeline.VectorIndex.Tests;

/// <summary>
/// Behaviour every <see cref="IVectorIndex"/> must show. Each concrete subclass runs all of it
/// against one implementation; names come from <see cref="Name"/> so runs can share a server.
/// </summary>
public abstract class VectorIndexContract : IDisposable
{
    protected const int Dim = 64;
    private IVectorIndex? _index;

    protected IVectorIndex Index => _index ??= OpenIndex();

    /// <summary>A fresh client/instance over the same storage as every earlier one of this test.</summary>
    protected abstract IVectorIndex OpenIndex();

    /// <summary>A collection or alias name unique to this test run.</summary>
    protected abstract string Name(string local);

    /// <summary>Simulates a process restart: drop the instance, open a new one on the same storage.</summary>
    protected void Restart()
    {
        _index?.Dispose();
        _index = OpenIndex();
    }

    public virtual void Dispose()
    {
        _index?.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(string Collection, List<FacePoint> Points)> Filled(string local, int count, string model, int seed)
    {
        var collection = Name(local);
        var points = TestData.Points(count, Dim, model, seed);
        await Index.CreateCollectionAsync(collection, Dim);
        await Index.UpsertAsync(collection, points);
        return (collection, points);
    }

    [ContractFact]
    public async Task TopK_EqualsBruteForce_OnRandomData()
    {
        var (collection, points) = await Filled("topk", 3000, "m1", seed: 1);
        var rng = new Random(2);
        // Unnormalised queries: the index must normalise them (cosine), scaling must not matter.
        var queries = Enumerable.Range(0, 25).Select(_ => TestData.RandomVector(rng, Dim)).Select(v => v.Select(x => x * 7.5f).ToArray()).ToList();

        var results = await Index.SearchAsync(collection, queries, top: 10);

        Assert.Equal(queries.Count, results.Count);
        for (var q = 0; q < queries.Count; q++)
            TestData.AssertExactTopK(results[q], TestData.BruteForce(points, queries[q]), 10);
    }

    [ContractFact]
    public async Task Filters_EqualBruteForceOverTheMatchingSubset()
    {
        var (collection, points) = await Filled("filters", 2000, "m1", seed: 3);
        var rng = new Random(4);
        var queries = Enumerable.Range(0, 8).Select(_ => TestData.RandomVector(rng, Dim)).ToList();
        FaceFilter[] filters =
        [
            new(Identity: "id7"),
            new(DatasetId: "ds-b"),
            new(Identity: "id3", DatasetId: "ds-a"),
            new(ModelId: "m1"),
            new(ModelId: "other-model"),
            new(Identity: "nobody"),
        ];
        foreach (var filter in filters)
        {
            var results = await Index.SearchAsync(collection, queries, top: 15, filter);
            for (var q = 0; q < queries.Count; q++)
            {
                Assert.All(results[q], m => Assert.True(filter.Matches(m.Payload), $"{m.Id} does not match {filter}"));
                TestData.AssertExactTopK(results[q], TestData.BruteForce(points, queries[q], filter), 15);
            }
            Assert.Equal(points.Count(p => filter.Matches(p.Payload)), await Index.CountAsync(collection, filter));
        }
    }

    [ContractFact]
    public async Task Search_ReturnsPayloads_AndTopLargerThanCollectionReturnsAll()
    {
        var (collection, points) = await Filled("small", 7, "m1", seed: 5);
        var results = await Index.SearchAsync(collection, [points[3].Vector], top: 100);

        Assert.Equal(7, results[0].Count);
        Assert.Equal(points[3].Id, results[0][0].Id);
        Assert.Equal(points[3].Payload, results[0][0].Payload);
        Assert.InRange(results[0][0].Score, 0.9999f, 1.0001f);
    }

    [ContractFact]
    public async Task Upsert_IsIdempotentById_AndReplacesVectorAndPayload()
    {
        var (collection, points) = await Filled("idem", 500, "m1", seed: 6);
        await Index.UpsertAsync(collection, points); // redelivered batch
        Assert.Equal(500, await Index.CountAsync(collection));

        var moved = points[10] with
        {
            Vector = TestData.RandomVector(new Random(99), Dim),
            Payload = points[10].Payload with { Identity = "renamed" },
        };
        await Index.UpsertAsync(collection, [moved]);

        Assert.Equal(500, await Index.CountAsync(collection));
        var hit = (await Index.SearchAsync(collection, [moved.Vector], top: 1))[0].Single();
        Assert.Equal(moved.Id, hit.Id);
        Assert.Equal("renamed", hit.Payload.Identity);
        Assert.InRange(hit.Score, 0.9999f, 1.0001f);
        Assert.Equal(1, await Index.CountAsync(collection, new FaceFilter(Identity: "renamed")));
    }

    [ContractFact]
    public async Task Delete_RemovesPoints_AndIgnoresUnknownIds()
    {
        var (collection, points) = await Filled("delete", 300, "m1", seed: 7);
        var gone = points.Where((_, i) => i % 4 == 0).ToList();

        await Index.DeleteAsync(collection, [.. gone.Select(p => p.Id), "never-existed"]);

        Assert.Equal(300 - gone.Count, await Index.CountAsync(collection));
        var remaining = points.Except(gone).ToList();
        var results = await Index.SearchAsync(collection, gone.Take(5).Select(p => p.Vector).ToList(), top: 20);
        var goneIds = gone.Select(p => p.Id).ToHashSet();
        for (var q = 0; q < results.Count; q++)
        {
            Assert.DoesNotContain(results[q], m => goneIds.Contains(m.Id));
            TestData.AssertExactTopK(results[q], TestData.BruteForce(remaining, gone[q].Vector), 20);
        }
    }

    [ContractFact]
    public async Task Batched_QueriesAnswerLikeSingleQueries()
    {
        var (collection, _) = await Filled("batch", 1500, "m1", seed: 8);
        var rng = new Random(9);
        var queries = Enumerable.Range(0, 13).Select(_ => TestData.RandomVector(rng, Dim)).ToList();

        var batched = await Index.SearchAsync(collection, queries, top: 5);
        for (var q = 0; q < queries.Count; q++)
        {
            var single = (await Index.SearchAsync(collection, [queries[q]], top: 5))[0];
            Assert.Equal(single.Select(m => m.Id), batched[q].Select(m => m.Id));
        }
    }

    [ContractFact]
    public async Task Restart_KeepsCollectionsPointsAndAliases()
    {
        var (collection, points) = await Filled("restart", 1200, "m1", seed: 10);
        await Index.DeleteAsync(collection, [points[0].Id]);
        await Index.UpsertAsync(collection, [points[1] with { Payload = points[1].Payload with { Identity = "changed" } }]);
        await Index.SetAliasAsync(Name("alias"), collection);
        var query = TestData.RandomVector(new Random(11), Dim);
        var before = (await Index.SearchAsync(collection, [query], top: 10))[0];

        Restart();

        Assert.Contains(collection, await Index.ListCollectionsAsync());
        Assert.Equal(collection, await Index.ResolveAsync(Name("alias")));
        Assert.Equal(1199, await Index.CountAsync(Name("alias")));
        Assert.Equal(1, await Index.CountAsync(collection, new FaceFilter(Identity: "changed")));
        var after = (await Index.SearchAsync(Name("alias"), [query], top: 10))[0];
        Assert.Equal(before.Select(m => m.Id), after.Select(m => m.Id));
    }

    [ContractFact]
    public async Task Alias_ServesOldModelUntilSwitched_AndNeverMixesModels()
    {
        var alias = Name("faces");
        var (oldCollection, oldPoints) = await Filled("model-a", 400, "model-a", seed: 12);
        await Index.SetAliasAsync(alias, oldCollection);

        // The new model's collection is built beside the old one; the alias still serves the old model meanwhile.
        var newCollection = Name("model-b");
        await Index.CreateCollectionAsync(newCollection, Dim);
        var newPoints = TestData.Points(600, Dim, "model-b", seed: 13, idPrefix: "p"); // same ids, other model
        await Index.UpsertAsync(newCollection, newPoints.Take(300).ToList());
        var queries = oldPoints.Take(5).Select(p => p.Vector).Concat(newPoints.Take(5).Select(p => p.Vector)).ToList();

        var served = await Index.SearchAsync(alias, queries, top: 50);
        Assert.All(served.SelectMany(r => r), m => Assert.Equal("model-a", m.Payload.ModelId));
        Assert.Equal(400, await Index.CountAsync(alias));

        await Index.UpsertAsync(newCollection, newPoints.Skip(300).ToList());
        await Index.SetAliasAsync(alias, newCollection);

        Assert.Equal(newCollection, await Index.ResolveAsync(alias));
        Assert.Equal(newCollection, (await Index.ListAliasesAsync())[alias]);
        served = await Index.SearchAsync(alias, queries, top: 50);
        Assert.All(served.SelectMany(r => r), m => Assert.Equal("model-b", m.Payload.ModelId));
        Assert.Equal(600, await Index.CountAsync(alias));
        // Naming the model's collection directly still reaches the old model (rollback / comparison).
        Assert.All((await Index.SearchAsync(oldCollection, queries, top: 5)).SelectMany(r => r), m => Assert.Equal("model-a", m.Payload.ModelId));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Index.DropCollectionAsync(newCollection));
        await Index.DropCollectionAsync(oldCollection);
        Assert.DoesNotContain(oldCollection, await Index.ListCollectionsAsync());
        Assert.Equal(600, await Index.CountAsync(alias));
    }

    [ContractFact]
    public async Task Collection_RefusesASecondModel()
    {
        var (collection, _) = await Filled("pure", 50, "model-a", seed: 14);
        var intruders = TestData.Points(5, Dim, "model-b", seed: 15, idPrefix: "x");
        await Assert.ThrowsAsync<ArgumentException>(() => Index.UpsertAsync(collection, intruders));

        var mixed = TestData.Points(2, Dim, "model-a", seed: 16, idPrefix: "y").Concat(intruders).ToList();
        await Assert.ThrowsAsync<ArgumentException>(() => Index.UpsertAsync(collection, mixed));
        Assert.Equal(50, await Index.CountAsync(collection));
        Assert.Equal(0, await Index.CountAsync(collection, new FaceFilter(ModelId: "model-b")));
    }

    [ContractFact]
    public async Task CreateCollection_IsIdempotent_AndChecksDimension()
    {
        var collection = Name("create");
        await Index.CreateCollectionAsync(collection, Dim);
        await Index.UpsertAsync(collection, TestData.Points(10, Dim, "m1", seed: 17));
        await Index.CreateCollectionAsync(collection, Dim);

        Assert.Equal(10, await Index.CountAsync(collection));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.CreateCollectionAsync(collection, Dim + 1));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.UpsertAsync(collection, TestData.Points(1, Dim + 1, "m1", seed: 18)));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.SearchAsync(collection, [new float[Dim + 1]], top: 1));
    }

    [ContractFact]
    public async Task QuantisedCollection_KeepsItsSetting_AndReturnsExactCosines()
    {
        var collection = Name("int8");
        var points = TestData.Points(2000, Dim, "m1", seed: 20);
        await Index.CreateCollectionAsync(collection, Dim, VectorQuantization.Int8);
        await Index.UpsertAsync(collection, points);
        await Index.CreateCollectionAsync(collection, Dim, VectorQuantization.Int8);
        await Assert.ThrowsAsync<ArgumentException>(() => Index.CreateCollectionAsync(collection, Dim));
        var (exact, _) = await Filled("exact", 10, "m1", seed: 21);
        await Index.SetAliasAsync(Name("int8-alias"), collection);

        Restart();

        Assert.Equal(VectorQuantization.Int8, await Index.QuantizationAsync(Name("int8-alias")));
        Assert.Equal(VectorQuantization.None, await Index.QuantizationAsync(exact));
        var rng = new Random(22);
        var queries = Enumerable.Range(0, 20).Select(_ => TestData.RandomVector(rng, Dim)).ToList();
        var results = await Index.SearchAsync(Name("int8-alias"), queries, top: 10);
        var found = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            var truth = TestData.BruteForce(points, queries[q]);
            var cosine = truth.ToDictionary(t => t.Id, t => t.Score);
            Assert.All(results[q], m => Assert.InRange(m.Score, cosine[m.Id] - 1e-4, cosine[m.Id] + 1e-4)); // re-scored, not approximate
            found += results[q].Select(m => m.Id).Intersect(truth.Take(10).Select(t => t.Id)).Count();
        }
        Assert.True(found >= 0.99 * 10 * queries.Count, $"recall@10 {found / (10.0 * queries.Count):F3}");
    }

    [ContractFact]
    public async Task Unknown_TargetsAndAliases_AreReportedNotInvented()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Index.CountAsync(Name("missing")));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Index.SearchAsync(Name("missing"), [new float[Dim]], top: 1));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Index.SetAliasAsync(Name("alias"), Name("missing")));
        Assert.Null(await Index.ResolveAsync(Name("no-alias")));
    }

    [ContractFact]
    public async Task Templates_IdentifyEachIdentityFromAFreshSample()
    {
        const int identities = 30;
        var rng = new Random(19);
        var centres = Enumerable.Range(0, identities).Select(_ => TestData.RandomVector(rng, Dim)).ToList();
        float[] Near(float[] centre) => centre.Select(x => x + (float)(rng.NextDouble() - 0.5) * 0.6f).ToArray();
        var points = Enumerable.Range(0, identities * 8)
            .Select(i => new FacePoint($"s{i}", Near(centres[i % identities]), new FacePayload($"person{i % identities}", "ds", "m1")))
            .ToList();
        var collection = Name("tmpl");
        await Index.CreateCollectionAsync(collection, Dim);
        await Index.UpsertAsync(collection, points);

        var templates = await IdentityTemplates.PublishAsync(Index, collection, points);

        Assert.Equal(identities, templates.Count);
        Assert.Equal(identities, await Index.CountAsync(IdentityTemplates.CollectionFor(collection)));
        var probes = centres.Select(Near).ToList();
        var results = await Index.SearchAsync(IdentityTemplates.CollectionFor(collection), probes, top: 1);
        for (var i = 0; i < identities; i++)
            Assert.Equal($"person{i}", results[i].Single().Payload.Identity);
    }
}
