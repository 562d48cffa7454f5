using Pipeline.Artifacts;
using Pipeline.ServiceDefaults;

namespace Pipeline.Indexer.Tests;

public sealed class BoundedCacheTests
{
    [Fact]
    public async Task Keeps_at_most_its_capacity_and_releases_the_least_recently_used()
    {
        var loads = new List<string>();
        var released = new List<string>();
        var cache = new BoundedCache<string>(2, k => { lock (loads) loads.Add(k); return Task.FromResult(k); }, v => { lock (released) released.Add(v); });

        await cache.GetAsync("a");
        await cache.GetAsync("b");
        await cache.GetAsync("a"); // a is now the most recent
        await cache.GetAsync("c"); // b goes

        Assert.Equal(2, cache.Count);
        await WaitUntil(() => { lock (released) return released.Count == 1; });
        Assert.Equal(["b"], released);
        await cache.GetAsync("a");
        Assert.Equal(["a", "b", "c"], loads); // a was never reloaded
    }

    [Fact]
    public async Task A_failed_load_is_not_kept()
    {
        int attempts = 0;
        var cache = new BoundedCache<string>(4, k => ++attempts == 1 ? throw new FileNotFoundException(k) : Task.FromResult(k), _ => { });

        await Assert.ThrowsAsync<FileNotFoundException>(() => cache.GetAsync("x"));
        Assert.Equal(0, cache.Count);
        Assert.Equal("x", await cache.GetAsync("x"));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_retired_value_is_not_used_and_is_released_once()
    {
        int releases = 0;
        var loaded = new Loaded<string>("model", _ => releases++);

        Assert.True(loaded.TryUse(v => v.Length, out var length));
        loaded.Retire();

        Assert.Equal(5, length);
        Assert.False(loaded.TryUse(v => v.Length, out _));
        Assert.Equal(1, releases);
        await Task.CompletedTask;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
