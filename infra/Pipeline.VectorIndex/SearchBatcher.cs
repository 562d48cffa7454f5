namespace Pipeline.VectorIndex;

/// <summary>
/// Merges concurrent single-query searches into batched <see cref="IVectorIndex.SearchAsync"/> calls: a scan
/// streams every row once however many queries it answers, so queries that would each stream the index share
/// one pass. A query for an idle target (collection or alias with the same filter) starts its scan at once;
/// queries arriving while that scan runs wait and go together in the next, up to <see cref="MaxBatch"/>.
/// A lone query therefore waits for nothing, and under load each caller waits at most one scan more.
/// </summary>
public sealed class SearchBatcher(IVectorIndex index, int maxBatch = SearchBatcher.DefaultMaxBatch)
{
    public const int DefaultMaxBatch = 64;

    private readonly object _gate = new();
    // A lane exists exactly while its drain runs: the query that creates one starts the drain.
    private readonly Dictionary<(string Target, FaceFilter? Filter), List<Waiter>> _lanes = [];

    public int MaxBatch { get; } = maxBatch > 0 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "must be positive");

    /// <summary>Top-<paramref name="top"/> matches of one query, as <see cref="IVectorIndex.SearchAsync"/> gives them.</summary>
    public async Task<IReadOnlyList<FaceMatch>> SearchAsync(string target, float[] query, int top, FaceFilter? filter = null, CancellationToken ct = default)
    {
        var key = (target, filter is { IsEmpty: false } ? filter : null);
        var waiter = new Waiter(query, top);
        bool lead;
        lock (_gate)
        {
            lead = !_lanes.TryGetValue(key, out var queued);
            if (lead) _lanes[key] = queued = [];
            queued!.Add(waiter);
        }
        if (lead) _ = Task.Run(() => DrainAsync(key));
        return await waiter.Result.Task.WaitAsync(ct);
    }

    /// <summary>Runs the lane's queued queries batch after batch until none are left.</summary>
    private async Task DrainAsync((string Target, FaceFilter? Filter) key)
    {
        while (true)
        {
            List<Waiter> batch;
            lock (_gate)
            {
                var queued = _lanes[key];
                if (queued.Count == 0)
                {
                    _lanes.Remove(key);
                    return;
                }
                batch = queued.Take(MaxBatch).ToList();
                queued.RemoveRange(0, batch.Count);
            }
            try
            {
                await Answer(key, batch);
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One caller's bad query must not fail the others: answer each alone.
                foreach (var w in batch) await AnswerAlone(key, w);
            }
            catch (Exception e)
            {
                batch[0].Result.TrySetException(e);
            }
        }
    }

    private async Task Answer((string Target, FaceFilter? Filter) key, List<Waiter> batch)
    {
        // The widest top serves all: a shorter list is the head of a longer one.
        var found = await index.SearchAsync(key.Target, batch.Select(w => w.Query).ToList(), batch.Max(w => w.Top), key.Filter);
        for (var i = 0; i < batch.Count; i++)
            batch[i].Result.TrySetResult(found[i].Count <= batch[i].Top ? found[i] : found[i].Take(batch[i].Top).ToList());
    }

    private async Task AnswerAlone((string Target, FaceFilter? Filter) key, Waiter waiter)
    {
        try
        {
            await Answer(key, [waiter]);
        }
        catch (Exception e)
        {
            waiter.Result.TrySetException(e);
        }
    }

    private sealed record Waiter(float[] Query, int Top)
    {
        public TaskCompletionSource<IReadOnlyList<FaceMatch>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
