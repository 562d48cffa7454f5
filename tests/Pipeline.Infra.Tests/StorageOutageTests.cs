using System.Net;
using System.Net.Sockets;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;

namespace Pipeline.Infra.Tests;

/// <summary>
/// A storage outage during a run, on the real components: RabbitMQ carries the message, the consumer writes to
/// Azurite through the Azure SDK and the project's Polly pipeline, and the network path to Azurite goes down for
/// longer than the blob retries and the circuit breaker's break. The bus's default retries wait it out: the write
/// lands once the store is back, and nothing goes to the _error queue.
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly Inbox _inbox = new();

    public Task InitializeAsync()
    {
        TestServices.RequireRabbitMq();
        TestServices.RequireAzurite();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_blob_store_outage_longer_than_the_breakers_break_is_waited_out_by_the_bus()
    {
        var azurite = new Uri(TestServices.AzuriteConnectionString.Split(';').First(p => p.StartsWith("BlobEndpoint=")).Split('=', 2)[1]);
        await using var proxy = new TcpOutage(azurite.Host, azurite.Port);
        var options = new PipelineOptions
        {
            Transport = Transports.RabbitMq,
            RabbitMq = new RabbitMqOptions { Host = TestServices.RabbitHost, Port = TestServices.RabbitPort },
            BlobStore = BlobStores.Azure,
            AzureConnectionString = TestServices.AzuriteConnectionString.Replace($":{azurite.Port}/", $":{proxy.Port}/"),
            Bus = new BusOptions(), // the defaults under test
        };
        var store = PipelineInfra.CreateBlobStore(options, new ResiliencePipelines(options.Resilience));
        var queue = $"test-outage-{_id}";
        await using var host = await BusHost.StartAsync(options, x =>
        {
            x.AddConsumer<WritingConsumer>().Endpoint(e => e.Name = queue);
            x.AddConfigureEndpointsCallback((_, cfg) =>
            {
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.AutoDelete = true;
            });
        }, s => s.AddSingleton(_inbox).AddSingleton(store));
        var runId = $"run-{_id}";

        proxy.Down();
        await host.Bus.Publish(BusHost.Drop(runId, "outage"));
        await Inbox.WaitUntilAsync(() => _inbox.Attempts.GetValueOrDefault(runId) >= 1, TimeSpan.FromSeconds(60), () => "the consumer never ran");
        await Task.Delay(TimeSpan.FromSeconds(20)); // past the blob retries and the breaker's 15 s break
        Assert.Equal(0, _inbox.Count(runId));
        proxy.Up();

        await Inbox.WaitUntilAsync(() => _inbox.Count(runId) == 1, TimeSpan.FromSeconds(60),
            () => $"{_inbox.Attempts.GetValueOrDefault(runId)} attempts and still not written");
        Assert.Equal("written", await store.GetTextAsync("outages", $"{_id}/marker.txt"));
        await store.DeleteAsync("outages", $"{_id}/marker.txt");
    }

    /// <summary>Writes one blob per message; every attempt counted.</summary>
    public sealed class WritingConsumer(Inbox inbox, IBlobStore store) : IConsumer<Contracts.DatasetDropped>
    {
        public async Task Consume(ConsumeContext<Contracts.DatasetDropped> context)
        {
            if (context.Message.DropName != "outage") return;
            inbox.Attempts.AddOrUpdate(context.Message.RunId, 1, (_, n) => n + 1);
            await store.PutTextAsync("outages", $"{context.Message.RunId[4..]}/marker.txt", "written", ct: context.CancellationToken);
            inbox.Received.Enqueue(("writer", context.Message.RunId));
        }
    }

    /// <summary>A TCP forwarder to the store whose path can be cut (connections refused, open ones reset) and restored.</summary>
    private sealed class TcpOutage : IAsyncDisposable
    {
        private readonly string _host;
        private readonly int _port;
        private readonly List<TcpClient> _open = [];
        private TcpListener? _listener;
        private CancellationTokenSource _cts = new();

        public TcpOutage(string host, int port)
        {
            (_host, _port) = (host, port);
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Up();
        }

        public int Port { get; }

        public void Up()
        {
            _cts = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Start();
            _ = AcceptAsync(_listener, _cts.Token);
        }

        public void Down()
        {
            _cts.Cancel();
            _listener?.Stop();
            lock (_open)
            {
                foreach (var c in _open) c.Client?.Close(0); // a pipe that ended has disposed its clients already
                _open.Clear();
            }
        }

        private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(ct); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                var upstream = new TcpClient();
                try { await upstream.ConnectAsync(_host, _port, ct); }
                catch (Exception) { client.Dispose(); upstream.Dispose(); continue; }
                lock (_open) _open.AddRange([client, upstream]);
                _ = Pipe(client.GetStream(), upstream.GetStream(), client, upstream);
                _ = Pipe(upstream.GetStream(), client.GetStream(), client, upstream);
            }
        }

        private static async Task Pipe(Stream from, Stream to, TcpClient a, TcpClient b)
        {
            try { await from.CopyToAsync(to); }
            catch (Exception) { }
            finally
            {
                a.Dispose();
                b.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Down();
            return ValueTask.CompletedTask;
        }
    }
}
