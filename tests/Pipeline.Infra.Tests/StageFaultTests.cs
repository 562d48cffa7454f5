using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;
using Polly.CircuitBreaker;

namespace Pipeline.Infra.Tests;

/// <summary>
/// A message that exhausts its retries ends its run failed with the exception's message (not "running" for ever);
/// a permanent failure is not retried; a circuit breaker's trip is, and the default retries outlast the break.
/// </summary>
public sealed class StageFaultTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-faults-" + Guid.NewGuid().ToString("N"));
    private readonly Inbox _inbox = new();

    private static PipelineOptions Options => new()
    {
        Transport = Transports.InMemory,
        Bus = new BusOptions { RetryIntervalsMs = [10, 10, 10], RedeliveryIntervalsSeconds = [] },
    };

    [Fact]
    public async Task A_poison_message_fails_its_stage_in_the_ledger_with_the_reason_after_one_attempt()
    {
        var ledger = new RunLedger(Path.Combine(_dir, "ledger.db"));
        await using var host = await BusHost.StartAsync(Options, x =>
            {
                x.AddConsumer<ScriptedConsumer>();
                x.AddRunLedgerConsumer();
            },
            s => s.AddSingleton(_inbox).AddSingleton(ledger));

        await host.Bus.Publish(BusHost.Drop("run-poison", "permanent"));

        RunDetails? run = null;
        await Inbox.WaitUntilAsync(() => (run = ledger.GetRunAsync("run-poison").Result)?.Run.Status == RunStatus.Failed,
            TimeSpan.FromSeconds(15), () => $"run is {run?.Run.Status ?? "unknown"}");
        var failed = run!.Stages.Single(s => s.Status == StageStatus.Failed);
        Assert.Equal(Stages.Ingest, failed.Stage);
        Assert.Contains("DatasetDropped failed after every retry: InvalidDataException: drops/permanent: not a dataset", failed.DetailJson);
        Assert.Equal(1, _inbox.Attempts["run-poison"]); // bad input is not retried
    }

    [Fact]
    public async Task A_breaker_trip_is_retried_until_the_store_is_back()
    {
        var ledger = new RunLedger(Path.Combine(_dir, "ledger.db"));
        await using var host = await BusHost.StartAsync(Options, x =>
            {
                x.AddConsumer<ScriptedConsumer>();
                x.AddRunLedgerConsumer();
            },
            s => s.AddSingleton(_inbox).AddSingleton(ledger));

        await host.Bus.Publish(BusHost.Drop("run-breaker", "breaker"));

        await Inbox.WaitUntilAsync(() => _inbox.Count("run-breaker") == 1, TimeSpan.FromSeconds(15),
            () => $"{_inbox.Attempts.GetValueOrDefault("run-breaker")} attempts");
        Assert.Equal(3, _inbox.Attempts["run-breaker"]);
        await Task.Delay(300);
        Assert.Equal(RunStatus.Running, (await ledger.GetRunAsync("run-breaker"))!.Run.Status);
    }

    [Fact]
    public void The_default_retries_outlast_the_circuit_breakers_break()
    {
        var retrying = TimeSpan.FromMilliseconds(new BusOptions().RetryIntervalsMs.Sum());
        var resilience = new ResilienceOptions();
        Assert.True(retrying > TimeSpan.FromSeconds(2 * Math.Max(resilience.Blob.BreakerBreakSeconds, resilience.Index.BreakerBreakSeconds)),
            $"retries span {retrying.TotalSeconds} s");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>"permanent": bad input every time; "breaker": the store's breaker is open for two attempts, then fine.</summary>
    public sealed class ScriptedConsumer(Inbox inbox) : IConsumer<DatasetDropped>
    {
        public Task Consume(ConsumeContext<DatasetDropped> context)
        {
            var m = context.Message;
            if (m.DropName is not ("permanent" or "breaker")) return Task.CompletedTask;
            int attempt = inbox.Attempts.AddOrUpdate(m.RunId, 1, (_, n) => n + 1);
            if (m.DropName == "permanent") throw new InvalidDataException($"drops/{m.DropName}: not a dataset");
            if (attempt <= 2) throw new BrokenCircuitException("the blob store's circuit is open");
            inbox.Received.Enqueue(("scripted", m.RunId));
            return Task.CompletedTask;
        }
    }
}
