using System.Reflection;
using System.Runtime.ExceptionServices;
using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

/// <summary>Concurrent single searches share scans and answer as they would alone.</summary>
public sealed class SearchBatcherTests : IDisposable
{
    private const int Dim = 32;
    private readonly string _root = TestData.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(EmbeddedVectorIndex Index, List<FacePoint> Points)> Filled()
    {
        var index = new EmbeddedVectorIndex(_root, new EmbeddedIndexOptions { DurableWrites = false });
        var points = TestData.Points(2000, Dim, "m1", seed: 40);
        await index.CreateCollectionAsync("c", Dim);
        await index.UpsertAsync("c", points);
        return (index, points);
    }

    [Fact]
    public async Task QueriesArrivingDuringAScan_GoTogetherInTheNext_AndEachGetsItsOwnAnswer()
    {
        var (real, points) = await Filled();
        using var _ = real;
        var held = HeldIndex.Wrap(real);
        var batcher = new SearchBatcher(held.Index, maxBatch: 16);
        var rng = new Random(41);
        var queries = Enumerable.Range(0, 33).Select(_ => TestData.RandomVector(rng, Dim)).ToList();

        var first = batcher.SearchAsync("c", queries[0], top: 5);
        await held.FirstCallStarted.Task; // the first scan is running (held): the rest queue behind it
        var rest = queries.Skip(1).Select((q, i) => batcher.SearchAsync("c", q, top: 1 + i % 7)).ToList();
        held.Release.SetResult();
        var answers = await Task.WhenAll(rest.Prepend(first));

        // One scan for the first query, then the 32 others, 16 to a scan.
        Assert.Equal(3, held.Calls);
        for (var q = 0; q < queries.Count; q++)
            TestData.AssertExactTopK(answers[q], TestData.BruteForce(points, queries[q]), q == 0 ? 5 : 1 + (q - 1) % 7);
    }

    [Fact]
    public async Task AFilteredQuery_IsAnsweredFromItsFilter()
    {
        var (index, points) = await Filled();
        using var _ = index;
        var filter = new FaceFilter(DatasetId: "ds-b");
        var query = TestData.RandomVector(new Random(42), Dim);

        var batcher = new SearchBatcher(index);
        var answers = await Task.WhenAll(batcher.SearchAsync("c", query, 10, filter), batcher.SearchAsync("c", query, 10));

        TestData.AssertExactTopK(answers[0], TestData.BruteForce(points, query, filter), 10);
        TestData.AssertExactTopK(answers[1], TestData.BruteForce(points, query), 10);
    }

    [Fact]
    public async Task ABadQuery_FailsOnlyItsCaller()
    {
        var (real, points) = await Filled();
        using var _ = real;
        var held = HeldIndex.Wrap(real);
        var batcher = new SearchBatcher(held.Index);

        var first = batcher.SearchAsync("c", points[0].Vector, top: 1);
        await held.FirstCallStarted.Task;
        var good = batcher.SearchAsync("c", points[1].Vector, top: 1);
        var bad = batcher.SearchAsync("c", new float[Dim], top: 1); // zero norm
        held.Release.SetResult();

        Assert.Equal(points[0].Id, (await first)[0].Id);
        Assert.Equal(points[1].Id, (await good)[0].Id);
        await Assert.ThrowsAsync<ArgumentException>(() => bad);
    }

    /// <summary>The real index, with its first search held until released and every search counted.</summary>
    public class HeldIndex : DispatchProxy
    {
        private IVectorIndex _inner = null!;
        private int _calls;

        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Calls => _calls;
        public IVectorIndex Index => (IVectorIndex)(object)this;

        public static HeldIndex Wrap(IVectorIndex inner)
        {
            var proxy = Create<IVectorIndex, HeldIndex>();
            ((HeldIndex)(object)proxy)._inner = inner;
            return (HeldIndex)(object)proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name != nameof(IVectorIndex.SearchAsync)) return method.Invoke(_inner, args);
            return Held(() =>
            {
                try
                {
                    return (Task<IReadOnlyList<IReadOnlyList<FaceMatch>>>)method.Invoke(_inner, args)!;
                }
                catch (TargetInvocationException e)
                {
                    ExceptionDispatchInfo.Throw(e.InnerException!); // as the index itself throws it
                    throw;
                }
            });
        }

        private async Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> Held(Func<Task<IReadOnlyList<IReadOnlyList<FaceMatch>>>> search)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                FirstCallStarted.SetResult();
                await Release.Task;
            }
            return await search();
        }
    }
}
