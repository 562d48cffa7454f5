using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Infra.Tests;

/// <summary>What an unfinished run waits for, read back from a real ledger: the message to publish again, exactly as it was.</summary>
public sealed class RunFrontierTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-frontier-" + Guid.NewGuid().ToString("N"));
    private readonly RunLedger _ledger;
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public RunFrontierTests() => _ledger = new RunLedger(Path.Combine(_dir, "ledger.db"));

    [Theory]
    [InlineData(1, nameof(DatasetDropped), Stages.Ingest)]      // killed mid-ingest
    [InlineData(2, nameof(DatasetIngested), Stages.SubCenter)]  // ingested, training never queued
    [InlineData(3, nameof(TrainModel), Stages.SubCenter)]       // queued or mid-training
    [InlineData(5, nameof(ModelTrained), Stages.Purify)]        // trained, purification lost
    [InlineData(6, nameof(DatasetPurified), Stages.Final)]      // purified, retraining never queued
    [InlineData(7, nameof(TrainModel), Stages.Final)]           // retraining queued or running
    [InlineData(8, nameof(ModelTrained), Stages.Index)]         // retrained, index lost
    public async Task A_run_cut_short_waits_for_the_consequence_of_its_last_message(int recorded, string type, string stage)
    {
        var plan = RunPlan.Default with { Epochs = 3, Seed = 9 };
        var messages = LedgerTests.WholeRun("run-cut", plan, T0).Take(recorded).ToList();
        foreach (var m in messages) await _ledger.RecordAsync(m);

        var pending = Assert.Single(RunFrontier.Of((await _ledger.GetRunAsync("run-cut"))!));

        Assert.Equal((type, stage), (pending.Message.GetType().Name, pending.Stage));
        Assert.Equal(messages.Last(m => m.GetType().Name == type), pending.Message);
        Assert.False(string.IsNullOrWhiteSpace(pending.WaitingFor));
    }

    [Fact]
    public async Task A_whole_run_waits_for_nothing_and_a_baseline_never_queued_is_waited_for()
    {
        foreach (var m in LedgerTests.WholeRun("run-done", RunPlan.Default, T0)) await _ledger.RecordAsync(m);
        Assert.Empty(RunFrontier.Of((await _ledger.GetRunAsync("run-done"))!));

        var plan = RunPlan.Default with { Baseline = true };
        foreach (var m in LedgerTests.WholeRun("run-base", plan, T0).Take(3)) await _ledger.RecordAsync(m);
        var pending = RunFrontier.Of((await _ledger.GetRunAsync("run-base"))!);
        // The sub-center job is pending, and the ingested set is published again for the baseline job never queued.
        Assert.Equal([nameof(DatasetIngested), nameof(TrainModel)], pending.Select(p => p.Message.GetType().Name).Order());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
