using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Messaging;
using Pipeline.ServiceDefaults;

namespace Pipeline.Ingest.Tests;

/// <summary>Every pipeline event the bus carried, as a downstream service would see them.</summary>
public sealed class PublishedEvents
{
    public ConcurrentQueue<object> All { get; } = new();

    public IReadOnlyList<T> Of<T>() => All.OfType<T>().ToList();

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (All.OfType<T>().FirstOrDefault(match) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no matching {typeof(T).Name}; seen: {string.Join("; ", All.Select(e => e.ToString()))}");
            await Task.Delay(25);
        }
    }
}

public sealed class CollectingConsumer(PublishedEvents events) :
    IConsumer<DatasetDropped>, IConsumer<DatasetIngested>, IConsumer<StageFailed>
{
    public Task Consume(ConsumeContext<DatasetDropped> context) => Add(context.Message);
    public Task Consume(ConsumeContext<DatasetIngested> context) => Add(context.Message);
    public Task Consume(ConsumeContext<StageFailed> context) => Add(context.Message);

    private Task Add(object message)
    {
        events.All.Enqueue(message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The Ingest service on the real in-memory bus, without the web host: the consumer and a collector on the
/// bus; watchers are created on demand (several = several instances competing for the same drops).
/// </summary>
public sealed class IngestHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private IngestHost(ServiceProvider provider, IBusControl bus, string workRoot)
    {
        _provider = provider;
        Bus = bus;
        WorkRoot = workRoot;
    }

    public IBusControl Bus { get; }
    public string WorkRoot { get; }
    public PublishedEvents Events => _provider.GetRequiredService<PublishedEvents>();
    public IngestSettings Settings => _provider.GetRequiredService<IngestSettings>();

    public static async Task<IngestHost> StartAsync(IBlobStore blobs, string dropNamePrefix, bool withConsumer = true, double archiveSettleSeconds = 0, double dropClaimSeconds = 120)
    {
        var workRoot = Path.Combine(Path.GetTempPath(), "ingest-work-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(blobs);
        services.AddSingleton(new ServiceSettings { WorkRoot = workRoot, DropPollSeconds = 0.2 });
        services.AddSingleton(new IngestSettings { ShardSize = 2, DropNamePrefix = dropNamePrefix, ArchiveSettleSeconds = archiveSettleSeconds, DropClaimSeconds = dropClaimSeconds });
        services.AddSingleton<PublishedEvents>();
        // No retries: a test must see the first outcome, not a retried one.
        var options = new PipelineOptions { Transport = Transports.InMemory, Bus = new BusOptions { RetryIntervalsMs = [], RedeliveryIntervalsSeconds = [] } };
        services.AddPipelineBus(options, x =>
        {
            if (withConsumer) x.AddConsumer<IngestConsumer>();
            x.AddConsumer<CollectingConsumer>();
        });
        var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(timeout.Token);
        return new IngestHost(provider, bus, workRoot);
    }

    /// <summary>A new watcher instance (its own claim owner), as another Ingest process would have.</summary>
    public DropWatcher NewWatcher() => new(
        _provider.GetRequiredService<IBlobStore>(), Bus, _provider.GetRequiredService<ServiceSettings>(), Settings,
        _provider.GetRequiredService<ILogger<DropWatcher>>());

    public IngestConsumer NewConsumer() => new(
        _provider.GetRequiredService<IBlobStore>(), _provider.GetRequiredService<ServiceSettings>(), Settings,
        _provider.GetRequiredService<ILogger<IngestConsumer>>());

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await Bus.StopAsync(timeout.Token);
        await _provider.DisposeAsync();
        if (Directory.Exists(WorkRoot)) Directory.Delete(WorkRoot, recursive: true);
    }
}
