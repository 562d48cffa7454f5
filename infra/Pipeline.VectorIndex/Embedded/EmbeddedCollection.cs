namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// One collection: its rows in memory plus the log that makes them durable. Writes go to the log
/// first, then to memory, under the write lock; searches share the read lock, so a search never sees
/// a half-applied batch and row numbers stay stable while it runs. A quantised collection rebuilds its
/// 8-bit codes from the replayed rows on open, so they recover from a crash exactly as the rows do.
/// </summary>
internal sealed class EmbeddedCollection : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly EmbeddedIndexOptions _options;
    private readonly VectorStore _store;
    private CollectionLog _log;
    private long _deadPoints;

    private EmbeddedCollection(string name, CollectionLog log, VectorStore store, EmbeddedIndexOptions options)
    {
        Name = name;
        _log = log;
        _store = store;
        _options = options;
    }

    public string Name { get; }
    public int Dimension => _store.Dimension;
    public VectorQuantization Quantization => _log.Quantization;

    /// <summary>What opening the file repaired: a torn tail dropped (after a crash), corrupt records skipped.</summary>
    public LogRecovery Recovery { get; private init; } = null!;

    public static EmbeddedCollection Open(string name, string path, EmbeddedIndexOptions options)
    {
        var (log, store, recovery) = CollectionLog.Open(path, options.DurableWrites);
        if (recovery.Warning is { } warning) options.Warn(warning);
        if (log.Quantization == VectorQuantization.Int8) store.Quantize();
        return new EmbeddedCollection(name, log, store, options) { Recovery = recovery };
    }

    public void Upsert(IReadOnlyList<FacePoint> points)
    {
        var model = VectorMath.ValidateBatch(Name, points, Dimension);
        if (model is null) return;
        var unit = new FacePoint[points.Count];
        for (var i = 0; i < points.Count; i++)
            unit[i] = points[i] with { Vector = VectorMath.Normalized(points[i].Vector, $"{Name}/{points[i].Id}") };

        _lock.EnterWriteLock();
        try
        {
            if (_store.Count > 0 && _store.PayloadAt(0).ModelId != model)
                throw new ArgumentException($"{Name}: holds model '{_store.PayloadAt(0).ModelId}', refusing points of model '{model}'");
            _log.AppendUpserts(unit);
            foreach (var p in unit)
                if (_store.Upsert(p.Id, p.Vector, p.Payload)) _deadPoints++;
            CompactIfWorthIt();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Delete(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return;
        _lock.EnterWriteLock();
        try
        {
            var present = ids.Where(_store.Contains).Distinct().ToList();
            if (present.Count == 0) return;
            _log.AppendDeletes(present);
            foreach (var id in present)
                if (_store.Delete(id)) _deadPoints += 2; // the upsert and the delete record are both dead weight
            CompactIfWorthIt();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public long Count(FaceFilter? filter)
    {
        _lock.EnterReadLock();
        try
        {
            if (filter is null || filter.IsEmpty) return _store.Count;
            long n = 0;
            for (var row = 0; row < _store.Count; row++)
                if (filter.Matches(_store.PayloadAt(row))) n++;
            return n;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<FacePoint> Retrieve(IReadOnlyList<string> ids)
    {
        _lock.EnterReadLock();
        try
        {
            var found = new List<FacePoint>(ids.Count);
            foreach (var id in ids)
                if (_store.TryGetRow(id, out var row)) found.Add(new FacePoint(id, _store.Row(row).ToArray(), _store.PayloadAt(row)));
            return found;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<IReadOnlyList<FaceMatch>> Search(IReadOnlyList<float[]> queries, int top, FaceFilter? filter, CancellationToken ct)
    {
        VectorMath.ValidateQueries(queries, top, Dimension, Name);
        var dim = Dimension;
        var flat = new float[queries.Count * dim];
        for (var q = 0; q < queries.Count; q++)
            VectorMath.NormalizeInto(queries[q], flat.AsSpan(q * dim, dim), $"{Name}: query {q}");

        _lock.EnterReadLock();
        try
        {
            bool[]? mask = null;
            if (filter is not null && !filter.IsEmpty)
            {
                mask = new bool[_store.Count];
                for (var row = 0; row < mask.Length; row++) mask[row] = filter.Matches(_store.PayloadAt(row));
            }
            var heaps = _store.Codes is { } codes
                ? QuantizedSearch.Run(_store, codes, flat, queries.Count, top, _options.Oversampling, mask, _options.SearchParallelism, ct)
                : ExactSearch.Run(_store, flat, queries.Count, top, mask, _options.SearchParallelism, ct);
            var results = new IReadOnlyList<FaceMatch>[heaps.Length];
            for (var q = 0; q < heaps.Length; q++)
                results[q] = heaps[q].Sorted().Select(h => new FaceMatch(_store.IdAt(h.Row), h.Score, _store.PayloadAt(h.Row))).ToArray();
            return results;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Rewrites the log to hold only live rows.</summary>
    public void Compact()
    {
        _lock.EnterWriteLock();
        try
        {
            _log = _log.Compact(_store);
            _deadPoints = 0;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Dispose()
    {
        // Wait for running searches and writes; the lock itself is left to the GC so late callers fail on the closed log, not the lock.
        _lock.EnterWriteLock();
        try { _log.Dispose(); }
        finally { _lock.ExitWriteLock(); }
    }

    private void CompactIfWorthIt()
    {
        if (_deadPoints <= _options.CompactAfterDeadPoints || _deadPoints <= _store.Count) return;
        _log = _log.Compact(_store);
        _deadPoints = 0;
    }
}
