namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// The default index: no server, one directory. Each collection is a crash-safe log file
/// (<c>&lt;name&gt;.fvlog</c>) loaded into memory on first use and searched by brute force (SIMD, all
/// cores): exactly, or through 8-bit codes re-scored exactly when the collection was created quantised.
/// Aliases live in <c>aliases.json</c>. One process owns a directory at a time.
/// </summary>
public sealed class EmbeddedVectorIndex : IVectorIndex
{
    private readonly string _root;
    private readonly EmbeddedIndexOptions _options;
    private readonly object _gate = new();
    private readonly Dictionary<string, EmbeddedCollection> _open = new(StringComparer.Ordinal);
    private Dictionary<string, string> _aliases;
    private bool _disposed;

    public EmbeddedVectorIndex(string rootDirectory, EmbeddedIndexOptions? options = null)
    {
        _root = Path.GetFullPath(rootDirectory);
        _options = options ?? new EmbeddedIndexOptions();
        Directory.CreateDirectory(_root);
        // A temp file is a write that never reached its rename: the target still holds the last good state.
        foreach (var temp in Directory.EnumerateFiles(_root, "*" + CollectionLog.TempSuffix)) File.Delete(temp);
        _aliases = AliasFile.Load(_root);
    }

    public Task CreateCollectionAsync(string name, int dimension, CancellationToken ct = default) =>
        CreateCollectionAsync(name, dimension, VectorQuantization.None, ct);

    public Task CreateCollectionAsync(string name, int dimension, VectorQuantization quantization, CancellationToken ct = default)
    {
        CollectionNames.Validate(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!Enum.IsDefined(quantization)) throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "unknown quantisation");
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_aliases.ContainsKey(name)) throw new ArgumentException($"{name}: already an alias, cannot also be a collection");
            if (File.Exists(PathOf(name)))
            {
                var existing = Get(name);
                if (existing.Dimension != dimension)
                    throw new ArgumentException($"{name}: exists with dimension {existing.Dimension}, asked for {dimension}");
                if (existing.Quantization != quantization)
                    throw new ArgumentException($"{name}: exists with quantisation {existing.Quantization}, asked for {quantization}");
                return Task.CompletedTask;
            }
            CollectionLog.Create(PathOf(name), dimension, quantization);
        }
        return Task.CompletedTask;
    }

    public Task UpsertAsync(string collection, IReadOnlyList<FacePoint> points, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        GetLocked(collection).Upsert(points);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        GetLocked(collection).Delete(ids);
        return Task.CompletedTask;
    }

    public Task<long> CountAsync(string target, FaceFilter? filter = null, CancellationToken ct = default) =>
        Task.FromResult(GetLocked(ResolveTarget(target)).Count(filter));

    public Task<VectorQuantization> QuantizationAsync(string target, CancellationToken ct = default) =>
        Task.FromResult(GetLocked(ResolveTarget(target)).Quantization);

    public Task<IReadOnlyList<FacePoint>> RetrieveAsync(string target, IReadOnlyList<string> ids, CancellationToken ct = default) =>
        Task.FromResult(GetLocked(ResolveTarget(target)).Retrieve(ids));

    public Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> SearchAsync(
        string target, IReadOnlyList<float[]> queries, int top, FaceFilter? filter = null, CancellationToken ct = default) =>
        Task.FromResult(GetLocked(ResolveTarget(target)).Search(queries, top, filter, ct));

    public Task SetAliasAsync(string alias, string collection, CancellationToken ct = default)
    {
        CollectionNames.Validate(alias, "alias");
        CollectionNames.Validate(collection); // before it names a file: no alias to a log outside this directory
        lock (_gate)
        {
            ThrowIfDisposed();
            if (File.Exists(PathOf(alias))) throw new ArgumentException($"{alias}: already a collection, cannot also be an alias");
            if (!File.Exists(PathOf(collection))) throw new KeyNotFoundException($"{collection}: no such collection");
            var next = new Dictionary<string, string>(_aliases, StringComparer.Ordinal) { [alias] = collection };
            AliasFile.Save(_root, next);
            _aliases = next;
        }
        return Task.CompletedTask;
    }

    public Task<string?> ResolveAsync(string alias, CancellationToken ct = default)
    {
        CollectionNames.Validate(alias, "alias");
        lock (_gate) return Task.FromResult(_aliases.GetValueOrDefault(alias));
    }

    public Task<IReadOnlyDictionary<string, string>> ListAliasesAsync(CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>(_aliases));
    }

    public Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            IReadOnlyList<string> names = Directory.EnumerateFiles(_root, "*" + CollectionLog.Extension)
                .Select(f => Path.GetFileName(f)[..^CollectionLog.Extension.Length])
                .Order(StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(names);
        }
    }

    public Task DropCollectionAsync(string name, CancellationToken ct = default)
    {
        CollectionNames.Validate(name);
        lock (_gate)
        {
            ThrowIfDisposed();
            var aliases = _aliases.Where(a => a.Value == name).Select(a => a.Key).ToList();
            if (aliases.Count > 0)
                throw new InvalidOperationException($"{name}: still served by alias {string.Join(", ", aliases)}; switch it first");
            if (_open.Remove(name, out var open)) open.Dispose();
            File.Delete(PathOf(name));
        }
        return Task.CompletedTask;
    }

    /// <summary>Rewrites a collection's log to hold only its live rows (also done automatically).</summary>
    public Task CompactAsync(string collection, CancellationToken ct = default)
    {
        GetLocked(collection).Compact();
        return Task.CompletedTask;
    }

    /// <summary>Opens (loads) a collection now rather than on first use; returns the torn bytes dropped on open.</summary>
    public long Load(string collection) => GetLocked(collection).Recovery.TornBytes;

    /// <summary>Opens a collection if it is not open and says what opening its log repaired: a torn tail, corrupt records skipped.</summary>
    public LogRecovery Recovery(string collection) => GetLocked(collection).Recovery;

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var c in _open.Values) c.Dispose();
            _open.Clear();
        }
    }

    private string ResolveTarget(string target)
    {
        CollectionNames.Validate(target, "collection or alias");
        lock (_gate) return _aliases.GetValueOrDefault(target) ?? target;
    }

    private EmbeddedCollection GetLocked(string name)
    {
        lock (_gate) return Get(name);
    }

    private EmbeddedCollection Get(string name)
    {
        ThrowIfDisposed();
        if (_open.TryGetValue(name, out var open)) return open;
        CollectionNames.Validate(name);
        var path = PathOf(name);
        if (!File.Exists(path)) throw new KeyNotFoundException($"{name}: no such collection or alias");
        open = EmbeddedCollection.Open(name, path, _options);
        _open[name] = open;
        return open;
    }

    private string PathOf(string name) => Path.Combine(_root, name + CollectionLog.Extension);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
