namespace Pipeline.Datasets;

/// <summary>
/// Bytes that concurrent decodes may hold at once: a decode waits until its pixels fit; one larger than the
/// whole budget runs when nothing else holds any, so it is never refused, only made to go alone.
/// </summary>
public sealed class DecodeBudget(long capacity)
{
    private readonly object _lock = new(); // a monitor, not a Lock: decodes wait on it
    private long _used;

    public long Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "expected a positive byte count");

    /// <summary>Waits for <paramref name="bytes"/>; dispose the result to give them back.</summary>
    public Lease Take(long bytes)
    {
        lock (_lock)
        {
            while (_used > 0 && _used + bytes > Capacity) Monitor.Wait(_lock);
            _used += bytes;
        }
        return new Lease(this, bytes);
    }

    private void Give(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
            Monitor.PulseAll(_lock);
        }
    }

    public readonly struct Lease(DecodeBudget budget, long bytes) : IDisposable
    {
        public void Dispose() => budget.Give(bytes);
    }
}
