namespace Pipeline.Datasets;

/// <summary>
/// Entry bytes and decoded pixels are large arrays that turn to garbage as soon as their batch is done, but
/// the GC lets its large-object heap grow far past what is live before collecting (bench/experiments/hostile-input.md).
/// Past the ceiling, a full collection runs; the next one
/// waits until the heap has grown by half a ceiling again, so a heap that is honestly big does not thrash.
/// </summary>
internal sealed class HeapCeiling(long bytes)
{
    private readonly long _bytes = bytes;
    private long _next = bytes;

    public void Check()
    {
        if (GC.GetTotalMemory(forceFullCollection: false) <= Volatile.Read(ref _next)) return;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        Volatile.Write(ref _next, Math.Max(_bytes, GC.GetTotalMemory(forceFullCollection: false) + _bytes / 2));
    }
}
