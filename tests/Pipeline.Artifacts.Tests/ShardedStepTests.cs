using Pipeline.Infra.Blobs;

namespace Pipeline.Artifacts.Tests;

/// <summary>
/// The sharded step's barrier on the real local-folder blob store: the whole-set step runs once however many
/// deliveries race for it, never before every shard is in, and a claim whose finisher died lapses.
/// </summary>
public sealed class ShardedStepTests : IDisposable
{
    private const string Container = "models";
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-sharded-").FullName;
    private readonly ManualTime _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly ArtifactStore _store;
    private int _finished;
    private int _stored;
    private readonly TaskCompletionSource _allStored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ShardedStepTests() =>
        _store = new ArtifactStore(new LocalFolderBlobStore(Path.Combine(_tmp, "blobs"), time: _time), Path.Combine(_tmp, "work"));

    private static ShardedStep Step(int shards) => new("step", "r-1", shards, Container, "r-1/step/results/", "r-1/step/_FINISHING", "r-1/step/outcome.json");

    private static string ResultPath(int shard) => $"r-1/step/results/shard-{shard:D5}.json";

    public sealed record Outcome(int Finisher, int Results);

    /// <summary>
    /// One delivery of shard <paramref name="shard"/>'s message: stores its result (then waits for <paramref name="allStored"/>), and
    /// finishes by counting the results.
    /// </summary>
    private Task<Outcome?> DeliverAsync(ShardedStep step, int shard, Task? allStored = null) =>
        step.CompleteShardAsync(_store, shard, ResultPath(shard),
            async () =>
            {
                await _store.PutJsonAsync(Container, ResultPath(shard), shard, default);
                if (Interlocked.Increment(ref _stored) == step.Shards) _allStored.TrySetResult();
                if (allStored is not null) await allStored;
            },
            async () =>
            {
                Interlocked.Increment(ref _finished);
                await Task.Delay(50); // a slow whole-set step widens the window in which another delivery could finish too
                return new Outcome(shard, (await _store.Blobs.ListAsync(Container, step.ResultsPrefix)).Count);
            }, default);

    [Fact]
    public async Task Shards_delivered_at_once_to_competing_instances_get_the_one_outcome_of_one_finisher()
    {
        var step = Step(8);
        // Every delivery stores its result, then all of them reach the barrier together.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(shard => Task.Run(() => DeliverAsync(step, shard, _allStored.Task))));

        Assert.Equal(1, _finished);
        var published = outcomes.OfType<Outcome>().ToList();
        Assert.NotEmpty(published);
        Assert.Single(published.Distinct());
        Assert.Equal(8, published[0].Results);
        Assert.Equal(published[0], await _store.GetJsonAsync<Outcome>(Container, step.OutcomePath, default));
        Assert.False(await _store.Blobs.ExistsAsync(Container, step.ClaimPath), "a finished step leaves its claim behind");

        // A later redelivery of any shard gets the stored outcome again: nothing is stored or finished again.
        int stored = _stored;
        Assert.Equal(published[0], await DeliverAsync(step, 2));
        Assert.Equal((1, stored), (_finished, _stored));
    }

    [Fact]
    public async Task A_shard_delivered_again_before_all_are_in_neither_redoes_its_result_nor_finishes()
    {
        var step = Step(3);
        Assert.Null(await DeliverAsync(step, 0));
        Assert.Null(await DeliverAsync(step, 0));
        Assert.Null(await DeliverAsync(step, 1));

        Assert.Equal((0, 2), (_finished, _stored));
        Assert.False(await _store.Blobs.ExistsAsync(Container, step.ClaimPath));
        Assert.False(await _store.Blobs.ExistsAsync(Container, step.OutcomePath));

        Assert.Equal(new Outcome(2, 3), await DeliverAsync(step, 2));
        Assert.Equal((1, 3), (_finished, _stored));
    }

    /// <summary>Both shards' results are in; shard 1's delivery claimed the step and died before it stored an outcome.</summary>
    private async Task<ShardedStep> FinisherDiedAsync()
    {
        var step = Step(2);
        Assert.Null(await DeliverAsync(step, 0));
        await _store.PutJsonAsync(Container, ResultPath(1), 1, default);
        Assert.NotNull(await _store.Blobs.TryClaimAsync(Container, step.ClaimPath, step.Owner(1), step.ClaimTtl));
        return step;
    }

    [Fact]
    public async Task A_claim_whose_finisher_died_lapses_after_its_ttl_and_another_shard_finishes()
    {
        var step = await FinisherDiedAsync();

        Assert.Null(await DeliverAsync(step, 0));
        _time.Advance(step.ClaimTtl - TimeSpan.FromSeconds(1));
        Assert.Null(await DeliverAsync(step, 0));
        Assert.Equal(0, _finished);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new Outcome(0, 2), await DeliverAsync(step, 0));
        Assert.Equal(1, _finished);
    }

    [Fact]
    public async Task The_dead_finishers_own_redelivery_takes_its_claim_back_at_once()
    {
        var step = await FinisherDiedAsync();

        Assert.Equal(new Outcome(1, 2), await DeliverAsync(step, 1));
        Assert.Equal(1, _finished);
        Assert.False(await _store.Blobs.ExistsAsync(Container, step.ClaimPath));
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
