using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pipeline.Infra.Tests;

/// <summary>The bus over a real RabbitMQ (started by infra/scripts/start-services.sh).</summary>
public sealed class RabbitMqBusTests : IAsyncLifetime
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly Inbox _inbox = new();
    private readonly List<string> _queuesToDelete = [];

    public Task InitializeAsync()
    {
        TestServices.RequireRabbitMq();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_queuesToDelete.Count == 0) return;
        await using var connection = await Factory().CreateConnectionAsync();
        foreach (var name in _queuesToDelete)
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }

    private static PipelineOptions Options(int[]? retryMs = null, int prefetch = 16) => new()
    {
        Transport = Transports.RabbitMq,
        RabbitMq = new RabbitMqOptions { Host = TestServices.RabbitHost, Port = TestServices.RabbitPort },
        Bus = new BusOptions { RetryIntervalsMs = retryMs ?? [20, 20], PrefetchCount = prefetch },
    };

    private static ConnectionFactory Factory() => new()
    {
        HostName = TestServices.RabbitHost, Port = TestServices.RabbitPort, UserName = "guest", Password = "guest",
    };

    private Task<BusHost> StartAsync<TConsumer>(string queue, string instance, PipelineOptions? options = null)
        where TConsumer : class, IConsumer =>
        BusHost.StartAsync(options ?? Options(), x =>
        {
            x.AddConsumer<TConsumer>().Endpoint(e => e.Name = queue);
            // Auto-delete (not exclusive, so instances can share it): no test queue outlives its test collecting events.
            x.AddConfigureEndpointsCallback((_, cfg) =>
            {
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.AutoDelete = true;
            });
        }, s => s.AddSingleton(_inbox).AddSingleton(new InstanceName(instance)));

    [Fact]
    public async Task A_published_event_reaches_its_consumer()
    {
        await using var host = await StartAsync<RecordingConsumer>($"test-receive-{_id}", "p1");
        var runId = $"run-{_id}";
        await host.Bus.Publish(BusHost.Drop(runId));

        await Inbox.WaitUntilAsync(() => _inbox.Count(runId) == 1, TimeSpan.FromSeconds(15), () => "the event was not consumed");
    }

    [Fact]
    public async Task A_failing_consumer_is_retried_then_the_message_lands_in_the_error_queue()
    {
        var queue = $"test-fail-{_id}";
        _queuesToDelete.Add(queue + "_error");
        await using var host = await StartAsync<FailingConsumer>(queue, "p1", Options(retryMs: [20, 20]));
        var runId = $"run-{_id}";
        await host.Bus.Publish(BusHost.Drop(runId, "poison"));

        var body = await WaitForMessageAsync(queue + "_error", runId, TimeSpan.FromSeconds(20));
        Assert.Contains("poison", body);
        Assert.Equal(3, _inbox.Attempts[runId]); // first try + 2 retries
    }

    [Fact]
    public async Task Two_processes_compete_on_one_queue_and_each_message_is_consumed_once()
    {
        var queue = $"test-compete-{_id}";
        await using var a = await StartAsync<RecordingConsumer>(queue, "a", Options(prefetch: 2));
        await using var b = await StartAsync<RecordingConsumer>(queue, "b", Options(prefetch: 2));
        const int count = 40;
        var prefix = $"run-{_id}-";
        for (var i = 0; i < count; i++) await a.Bus.Publish(BusHost.Drop(prefix + i));

        await Inbox.WaitUntilAsync(() => _inbox.Count(prefix) >= count, TimeSpan.FromSeconds(20),
            () => $"{_inbox.Count(prefix)} of {count} consumed");
        await Task.Delay(300); // a duplicate would arrive about now

        var mine = _inbox.Received.Where(r => r.RunId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(count, mine.Count);
        Assert.Equal(count, mine.Select(r => r.RunId).Distinct().Count());
        Assert.Contains(mine, r => r.Instance == "a");
        Assert.Contains(mine, r => r.Instance == "b");
    }

    // Reads the queue until a message mentioning `needle` appears (other tests' messages are put back).
    private static async Task<string> WaitForMessageAsync(string queue, string needle, TimeSpan timeout)
    {
        await using var connection = await Factory().CreateConnectionAsync();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var channel = await connection.CreateChannelAsync();
                while (await channel.BasicGetAsync(queue, autoAck: false) is { } got)
                {
                    var body = Encoding.UTF8.GetString(got.Body.Span);
                    if (body.Contains(needle, StringComparison.Ordinal))
                    {
                        await channel.BasicAckAsync(got.DeliveryTag, multiple: false);
                        return body;
                    }
                    await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true);
                }
            }
            catch (OperationInterruptedException)
            {
                // the error queue does not exist until MassTransit moves the first message there
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no message for {needle} in queue {queue} after {timeout.TotalSeconds:0} s");
    }
}
