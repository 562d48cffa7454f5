using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;

namespace Pipeline.Infra.Tests;

/// <summary>The embedded mode's bus: in-memory transport, same registration.</summary>
public sealed class InMemoryBusTests
{
    private readonly Inbox _inbox = new();

    private static PipelineOptions Options(int[] retryMs, int[] redeliverySeconds) => new()
    {
        Transport = Transports.InMemory,
        Bus = new BusOptions { RetryIntervalsMs = retryMs, RedeliveryIntervalsSeconds = redeliverySeconds },
    };

    [Fact]
    public async Task A_published_event_reaches_consumers_of_several_services_in_one_process()
    {
        var ledgerDir = Path.Combine(Path.GetTempPath(), "pipeline-ledger-" + Guid.NewGuid().ToString("N"));
        var ledger = new RunLedger(Path.Combine(ledgerDir, "ledger.db"));
        try
        {
            await using var host = await BusHost.StartAsync(Options([10], [1]), x =>
                {
                    x.AddConsumer<RecordingConsumer>(); // "one service"
                    x.AddRunLedgerConsumer();           // "another"
                },
                s => s.AddSingleton(_inbox).AddSingleton(new InstanceName("embedded")).AddSingleton(ledger));

            foreach (var message in LedgerTests.WholeRun("run-mem", RunPlan.Default, DateTimeOffset.UtcNow))
                await host.Bus.Publish(message, message.GetType());

            await Inbox.WaitUntilAsync(() => _inbox.Count("run-mem") == 1, TimeSpan.FromSeconds(10), () => "drop not consumed");
            RunDetails? run = null;
            await Inbox.WaitUntilAsync(() => (run = ledger.GetRunAsync("run-mem").Result) is { Events.Count: 9 },
                TimeSpan.FromSeconds(10), () => $"ledger has {run?.Events.Count ?? 0} of 9 events");
            Assert.Equal(RunStatus.Completed, run!.Run.Status);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(ledgerDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_failing_consumer_is_retried_and_redelivered_before_it_gives_up()
    {
        await using var host = await BusHost.StartAsync(Options([10], [1]), x => x.AddConsumer<FailingConsumer>(),
            s => s.AddSingleton(_inbox));
        await host.Bus.Publish(BusHost.Drop("run-redeliver", "poison"));

        // (1 try + 1 retry) x (1 delivery + 1 redelivery after 1 s)
        await Inbox.WaitUntilAsync(() => _inbox.Attempts.GetValueOrDefault("run-redeliver") >= 4, TimeSpan.FromSeconds(15),
            () => $"{_inbox.Attempts.GetValueOrDefault("run-redeliver")} attempts");
        await Task.Delay(1500);
        Assert.Equal(4, _inbox.Attempts["run-redeliver"]);
    }
}
