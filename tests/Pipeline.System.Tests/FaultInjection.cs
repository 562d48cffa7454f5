using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;
using Pipeline.ServiceDefaults;

namespace Pipeline.SystemTests;

/// <summary>
/// The real blob store of the host, with writes that fail on cue: the first write of each path ending in a given
/// suffix throws an IOException (a transient storage failure), once.
/// </summary>
public sealed class FlakyBlobStore(IBlobStore inner) : IBlobStore
{
    private readonly ConcurrentDictionary<string, bool> _failOnce = new();
    public ConcurrentQueue<string> Failed { get; } = new();

    public void FailFirstWriteOf(string pathSuffix) => _failOnce[pathSuffix] = true;

    public Task<bool> PutAsync(string container, string path, Stream content, bool overwrite = true, CancellationToken ct = default)
    {
        foreach (var suffix in _failOnce.Keys)
            if (path.EndsWith(suffix, StringComparison.Ordinal) && _failOnce.TryRemove(suffix, out _))
            {
                Failed.Enqueue(path);
                throw new IOException($"{container}/{path}: injected storage failure");
            }
        return inner.PutAsync(container, path, content, overwrite, ct);
    }

    public Task<Stream?> GetAsync(string container, string path, CancellationToken ct = default) => inner.GetAsync(container, path, ct);
    public Task<bool> ExistsAsync(string container, string path, CancellationToken ct = default) => inner.ExistsAsync(container, path, ct);
    public Task<BlobEntry?> GetInfoAsync(string container, string path, CancellationToken ct = default) => inner.GetInfoAsync(container, path, ct);
    public Task<IReadOnlyList<BlobEntry>> ListAsync(string container, string prefix = "", CancellationToken ct = default) => inner.ListAsync(container, prefix, ct);
    public Task<IReadOnlyList<string>> ListFoldersAsync(string container, string prefix = "", CancellationToken ct = default) => inner.ListFoldersAsync(container, prefix, ct);
    public string? LocalFile(string container, string path) => inner.LocalFile(container, path);
    public Task<bool> DeleteAsync(string container, string path, CancellationToken ct = default) => inner.DeleteAsync(container, path, ct);
    public Task<BlobClaim?> TryClaimAsync(string container, string path, string owner, TimeSpan ttl, CancellationToken ct = default) =>
        inner.TryClaimAsync(container, path, owner, ttl, ct);
    public Task<bool> ReleaseClaimAsync(BlobClaim claim, CancellationToken ct = default) => inner.ReleaseClaimAsync(claim, ct);
}

/// <summary>A module that puts <see cref="FlakyBlobStore"/> in front of the host's store and collects what the bus carries.</summary>
public sealed class FaultInjectionModule : ServiceModule
{
    public override string Name => "fault-injection";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetPipelineOptions();
        services.AddSingleton(sp => new FlakyBlobStore(PipelineInfra.CreateBlobStore(options, sp.GetRequiredService<ResiliencePipelines>())));
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<FlakyBlobStore>());
        services.AddSingleton<Collected>();
    }

    public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddConsumer<CollectingConsumer>();
}

public sealed class Collected
{
    public ConcurrentQueue<object> All { get; } = new();

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan timeout)
    {
        for (var until = DateTime.UtcNow + timeout; DateTime.UtcNow < until; await Task.Delay(50))
            if (All.OfType<T>().FirstOrDefault(match) is { } found) return found;
        throw new TimeoutException($"no matching {typeof(T).Name} in {timeout.TotalSeconds:0} s; seen: {string.Join("; ", All.Select(m => m.GetType().Name))}");
    }
}

public sealed class CollectingConsumer(Collected collected) :
    IConsumer<Pipeline.Contracts.DatasetPurified>, IConsumer<Pipeline.Contracts.IndexPublished>, IConsumer<Pipeline.Contracts.StageFailed>
{
    public Task Consume(ConsumeContext<Pipeline.Contracts.DatasetPurified> context) => Add(context.Message);
    public Task Consume(ConsumeContext<Pipeline.Contracts.IndexPublished> context) => Add(context.Message);
    public Task Consume(ConsumeContext<Pipeline.Contracts.StageFailed> context) => Add(context.Message);

    private Task Add(object m)
    {
        collected.All.Enqueue(m);
        return Task.CompletedTask;
    }
}
