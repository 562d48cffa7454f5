namespace Pipeline.Artifacts;

/// <summary>
/// The few most recently used things loaded by key (models, datasets): past <paramref name="capacity"/> the least
/// recently used is dropped and handed to <paramref name="evicted"/> once its load is done. A failed load is not
/// kept, so a request for a name that does not exist leaves nothing behind and a transient failure is retried.
/// </summary>
public sealed class BoundedCache<T>(int capacity, Func<string, Task<T>> load, Action<T> evicted)
{
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, Lazy<Task<T>> Value)> _recent = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, Lazy<Task<T>> Value)>> _byKey = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "at least 1");

    public int Count
    {
        get { lock (_gate) return _byKey.Count; }
    }

    public async Task<T> GetAsync(string key)
    {
        Lazy<Task<T>> entry;
        var dropped = new List<Lazy<Task<T>>>();
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node)) _recent.Remove(node);
            else node = new LinkedListNode<(string, Lazy<Task<T>>)>((key, new Lazy<Task<T>>(() => load(key))));
            _recent.AddFirst(node);
            _byKey[key] = node;
            entry = node.Value.Value;
            while (_byKey.Count > Capacity)
            {
                var last = _recent.Last!;
                _recent.RemoveLast();
                _byKey.Remove(last.Value.Key);
                dropped.Add(last.Value.Value);
            }
        }
        foreach (var old in dropped.Where(d => d.IsValueCreated))
            _ = old.Value.ContinueWith(t => evicted(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            return await entry.Value;
        }
        catch
        {
            lock (_gate)
                if (_byKey.TryGetValue(key, out var node) && ReferenceEquals(node.Value.Value, entry)) { _recent.Remove(node); _byKey.Remove(key); }
            throw;
        }
    }
}

/// <summary>
/// A cached value that requests use one at a time under its lock; once retired (evicted) it is released, and a
/// request that still holds it is told to fetch it again rather than use it released.
/// </summary>
public sealed class Loaded<T>(T value, Action<T> release)
{
    private readonly Lock _gate = new();
    private bool _retired;

    public T Value { get; } = value;

    public bool TryUse<TResult>(Func<T, TResult> use, out TResult? result)
    {
        lock (_gate)
        {
            result = _retired ? default : use(Value);
            return !_retired;
        }
    }

    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            release(Value);
        }
    }
}
