using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;

namespace Pipeline.Infra.Tests;

/// <summary>
/// On the embedded bus, with no case per message type: every message that reports on its stage reaches the ledger
/// (and no other does), and every message of the stage graph that fails every retry fails the stage it feeds.
/// </summary>
public sealed class StageMessageBusTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-stage-messages-" + Guid.NewGuid().ToString("N"));
    private readonly RunLedger _ledger;

    public StageMessageBusTests() => _ledger = new RunLedger(Path.Combine(_dir, "ledger.db"));

    private static PipelineOptions Options => new()
    {
        Transport = Transports.InMemory,
        Bus = new BusOptions { RetryIntervalsMs = [10], RedeliveryIntervalsSeconds = [] },
    };

    [Fact]
    public async Task Every_message_that_reports_on_its_stage_reaches_the_ledger_and_no_other_does()
    {
        await using var host = await BusHost.StartAsync(Options, x => x.AddRunLedgerConsumer(), s => s.AddSingleton(_ledger));
        var messages = RunMessages.All.Select(t => SampleMessages.Of(t, $"run-{t.Name}", Stages.Final)).ToList();
        Assert.Contains(messages, m => m is not IStageReport); // the shard commands, which the ledger leaves out
        foreach (var m in messages) await host.Bus.Publish(m, m.GetType());

        foreach (var m in messages.OfType<IStageReport>())
        {
            RunDetails? run = null;
            await Inbox.WaitUntilAsync(() => (run = _ledger.GetRunAsync(m.RunId).Result) is not null, TimeSpan.FromSeconds(10),
                () => $"{m.GetType().Name} never reached the ledger");
            var e = Assert.Single(run!.Events);
            Assert.Equal((m.GetType().Name, m.Stage, m.Status, m.At), (e.MessageType, e.Stage, e.Status, e.At));
        }
        await Task.Delay(200); // the ledger's queue is one: what was published before the last report has been seen
        foreach (var m in messages.Where(m => m is not IStageReport))
            Assert.Null(await _ledger.GetRunAsync(m.RunId));
    }

    [Fact]
    public async Task A_message_of_the_graph_that_fails_every_retry_fails_the_stage_it_feeds()
    {
        await using var host = await BusHost.StartAsync(Options, x =>
            {
                foreach (var type in StageGraph.Messages)
                    x.AddConsumer(typeof(RefusingConsumer<>).MakeGenericType(type)).Endpoint(e => e.Name = "refusing");
                x.AddRunLedgerConsumer();
            },
            s => s.AddSingleton(_ledger));
        // One message per edge the default plan takes; a message of several stages is sent about the edge's.
        var sent = StageGraph.Edges.Where(f => f.When is null).Select((f, i) =>
        {
            var about = f.From ?? Stages.SubCenter;
            return (Message: SampleMessages.Of(f.Message, $"run-fault-{i}", about), Fails: f.FedStage(about));
        }).ToList();
        foreach (var (m, _) in sent) await host.Bus.Publish(m, m.GetType());

        foreach (var (m, fails) in sent)
        {
            RunDetails? run = null;
            await Inbox.WaitUntilAsync(() => (run = _ledger.GetRunAsync(m.RunId).Result)?.Run.Status == RunStatus.Failed, TimeSpan.FromSeconds(10),
                () => $"{m.GetType().Name} ({m.Stage}): run is {run?.Run.Status ?? "unknown"}");
            var failed = run!.Stages.Single(s => s.Status == StageStatus.Failed);
            Assert.Equal(fails, failed.Stage);
            Assert.Contains($"{m.GetType().Name} failed after every retry: InvalidDataException: refused", failed.DetailJson);
        }
    }

    /// <summary>Refuses every message as bad input (a permanent error: no retries).</summary>
    public sealed class RefusingConsumer<T> : IConsumer<T> where T : class
    {
        public Task Consume(ConsumeContext<T> context) => throw new InvalidDataException("refused");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
