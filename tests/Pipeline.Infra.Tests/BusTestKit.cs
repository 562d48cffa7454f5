using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Messaging;

namespace Pipeline.Infra.Tests;

/// <summary>What the test consumers saw. Tests filter by run id, since parallel tests publish the same types.</summary>
public sealed class Inbox
{
    public ConcurrentQueue<(string Instance, string RunId)> Received { get; } = new();
    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    public int Count(string runIdPrefix) => Received.Count(r => r.RunId.StartsWith(runIdPrefix, StringComparison.Ordinal));

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"after {timeout.TotalSeconds:0} s: {describe()}");
            await Task.Delay(25);
        }
    }
}

/// <summary>Which bus instance (stand-in for a process) a consumer runs in.</summary>
public sealed record InstanceName(string Value);

public sealed class RecordingConsumer(Inbox inbox, InstanceName instance) : IConsumer<DatasetDropped>
{
    public async Task Consume(ConsumeContext<DatasetDropped> context)
    {
        await Task.Delay(5); // a little work, so messages spread over competing instances
        inbox.Received.Enqueue((instance.Value, context.Message.RunId));
    }
}

/// <summary>Fails every message whose drop name is "poison"; ignores the rest (other tests' messages).</summary>
public sealed class FailingConsumer(Inbox inbox) : IConsumer<DatasetDropped>
{
    public Task Consume(ConsumeContext<DatasetDropped> context)
    {
        if (context.Message.DropName != "poison") return Task.CompletedTask;
        inbox.Attempts.AddOrUpdate(context.Message.RunId, 1, (_, n) => n + 1);
        throw new InvalidOperationException($"drops/{context.Message.DropName}: always fails");
    }
}

/// <summary>One started bus with its own container: what a separate process would have.</summary>
public sealed class BusHost : IAsyncDisposable
{
    private BusHost(ServiceProvider provider, IBusControl bus)
    {
        Provider = provider;
        Bus = bus;
    }

    public ServiceProvider Provider { get; }
    public IBusControl Bus { get; }

    public static async Task<BusHost> StartAsync(PipelineOptions options, Action<IBusRegistrationConfigurator> register,
        Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        services?.Invoke(collection);
        collection.AddPipelineBus(options, register);
        var provider = collection.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(timeout.Token);
        return new BusHost(provider, bus);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await Bus.StopAsync(timeout.Token);
        await Provider.DisposeAsync();
    }

    public static DatasetDropped Drop(string runId, string dropName = "celebs") =>
        new(runId, RunPlan.Default, dropName, DateTimeOffset.UtcNow);
}
