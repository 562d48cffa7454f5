using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Infra.Tests;

public sealed class LedgerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-ledger-" + Guid.NewGuid().ToString("N"));
    private readonly RunLedger _ledger;
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public LedgerTests() => _ledger = new RunLedger(Path.Combine(_dir, "ledger.db"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    internal static IEnumerable<IStageReport> WholeRun(string runId, RunPlan plan, DateTimeOffset t0)
    {
        var raw = new DatasetRef("celebs", "celebs/manifest.json");
        var clean = new DatasetRef("celebs", $"celebs/purified-{runId}/manifest.json");
        var metrics = new TrainingMetrics(2, 1.5, 0.9, 0.95);
        yield return new DatasetDropped(runId, plan, "celebs", t0);
        yield return new DatasetIngested(runId, plan, raw, 1000, 50, 3, t0.AddMinutes(1));
        yield return new TrainModel(runId, plan, Stages.SubCenter, raw, 3, t0.AddMinutes(1));
        yield return new TrainingProgressed(runId, plan, Stages.SubCenter, 1, 2, 10, 9.5, 0.1, 500, t0.AddMinutes(2));
        yield return new ModelTrained(runId, plan, Stages.SubCenter, new ModelRef(runId, Stages.SubCenter, $"{runId}/subcenter/final.pt"),
            raw, 3, metrics, t0.AddMinutes(3));
        yield return new DatasetPurified(runId, plan, clean, $"celebs/purified-{runId}/report.json", 900, 100, 75, t0.AddMinutes(4));
        yield return new TrainModel(runId, plan, Stages.Final, clean, 1, t0.AddMinutes(4));
        yield return new ModelTrained(runId, plan, Stages.Final, new ModelRef(runId, Stages.Final, $"{runId}/final/final.pt"),
            clean, 1, metrics, t0.AddMinutes(5));
        yield return new IndexPublished(runId, plan, new ModelRef(runId, Stages.Final, $"{runId}/final/final.pt"),
            $"faces-{runId}", "faces", 900, t0.AddMinutes(6));
    }

    [Fact]
    public async Task A_whole_run_is_listed_completed_with_every_stage()
    {
        var plan = RunPlan.Default with { Epochs = 2 };
        foreach (var m in WholeRun("run-1", plan, T0)) Assert.True(await _ledger.RecordAsync(m));

        var run = Assert.Single(await _ledger.ListRunsAsync());
        Assert.Equal(("run-1", RunStatus.Completed, Stages.Index, "celebs"), (run.RunId, run.Status, run.CurrentStage, run.DatasetId));
        Assert.Equal(plan, run.Plan);
        Assert.Equal(T0, run.CreatedAt);
        Assert.Equal(T0.AddMinutes(6), run.UpdatedAt);

        var details = await _ledger.GetRunAsync("run-1");
        Assert.NotNull(details);
        Assert.Equal([Stages.Ingest, Stages.SubCenter, Stages.Purify, Stages.Final, Stages.Index], details.Stages.Select(s => s.Stage));
        Assert.All(details.Stages, s => Assert.Equal(StageStatus.Completed, s.Status));
        var subcenter = details.Stages.Single(s => s.Stage == Stages.SubCenter);
        // Queued at +1 (TrainModel), working from its first progress at +2, trained at +3.
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(2), T0.AddMinutes(3)), (subcenter.QueuedAt!.Value, subcenter.StartedAt, subcenter.EndedAt!.Value));
        using var detail = JsonDocument.Parse(subcenter.DetailJson!);
        Assert.Equal(0.9, detail.RootElement.GetProperty("metrics").GetProperty("trainAccuracy").GetDouble());
        Assert.Contains("\"loss\":9.5", subcenter.LastProgressJson);
        Assert.Equal(9, details.Events.Count);

        // Purify and index announce only their outcome: each starts when the model it works on was trained.
        var purify = details.Stages.Single(s => s.Stage == Stages.Purify);
        Assert.Equal((T0.AddMinutes(3), T0.AddMinutes(4)), (purify.StartedAt, purify.EndedAt!.Value));
        var index = details.Stages.Single(s => s.Stage == Stages.Index);
        Assert.Equal((T0.AddMinutes(5), T0.AddMinutes(6)), (index.StartedAt, index.EndedAt!.Value));
        Assert.Null(purify.QueuedAt);
        // The final stage has no progress event here: its work is timed from its queueing to its model.
        var final = details.Stages.Single(s => s.Stage == Stages.Final);
        Assert.Equal((T0.AddMinutes(4), T0.AddMinutes(5)), (final.StartedAt, final.EndedAt!.Value));
        Assert.Null(final.QueuedAt);
    }

    [Fact]
    public async Task A_training_queued_again_after_it_started_is_paused_until_its_next_progress_and_its_work_leaves_the_pause_out()
    {
        var plan = RunPlan.Default with { Baseline = true };
        var ds = new DatasetRef("d", "d/manifest.json");
        TrainingProgressed Progress(int minute) => new("run-y", plan, Stages.Baseline, 1, 2, minute, 9, 0.1, 500, T0.AddMinutes(minute));
        await _ledger.RecordAsync(new TrainModel("run-y", plan, Stages.Baseline, ds, 1, T0));
        await _ledger.RecordAsync(Progress(1));
        await _ledger.RecordAsync(Progress(2));
        await _ledger.RecordAsync(new TrainModel("run-y", plan, Stages.Baseline, ds, 1, T0.AddMinutes(3))); // yielded at +3

        var paused = (await _ledger.GetRunAsync("run-y"))!.Stages.Single(s => s.Stage == Stages.Baseline);
        Assert.Equal(StageStatus.Queued, paused.Status);
        Assert.Equal(new StagePause(T0.AddMinutes(3), null), Assert.Single(paused.Pauses!));
        Assert.Equal(120, paused.WorkSeconds(T0.AddMinutes(10)), 6); // +1 to +3; waiting since
        Assert.Equal(60, paused.QueuedSeconds(T0.AddMinutes(10)), 6);  // the first wait only

        await _ledger.RecordAsync(Progress(7)); // resumed at +7
        await _ledger.RecordAsync(new ModelTrained("run-y", plan, Stages.Baseline, new ModelRef("run-y", Stages.Baseline, "m"), ds, 1,
            new TrainingMetrics(2, 1, 0.9), T0.AddMinutes(8)));

        var done = (await _ledger.GetRunAsync("run-y"))!.Stages.Single(s => s.Stage == Stages.Baseline);
        Assert.Equal(StageStatus.Completed, done.Status);
        Assert.Equal(new StagePause(T0.AddMinutes(3), T0.AddMinutes(7)), Assert.Single(done.Pauses!));
        Assert.Equal(180, done.WorkSeconds(T0.AddMinutes(10)), 6); // +1 to +8 less the 4-minute pause
    }

    [Fact]
    public async Task A_redelivered_message_is_recorded_once()
    {
        var dropped = new DatasetDropped("run-2", RunPlan.Default, "d", T0);
        Assert.True(await _ledger.RecordAsync(dropped, "msg-1"));
        Assert.False(await _ledger.RecordAsync(dropped, "msg-1"));
        Assert.Single((await _ledger.GetRunAsync("run-2"))!.Events);
    }

    [Fact]
    public async Task A_failed_stage_fails_the_run_with_its_reason_and_progress_shows_a_running_stage()
    {
        var plan = RunPlan.Default;
        var ds = new DatasetRef("d", "d/manifest.json");
        await _ledger.RecordAsync(new TrainModel("run-3", plan, Stages.SubCenter, ds, 3, T0));
        await _ledger.RecordAsync(new TrainingProgressed("run-3", plan, Stages.SubCenter, 1, 5, 3, 2.0, 0.5, 100, T0.AddSeconds(5)));
        Assert.Equal(StageStatus.Progress, (await _ledger.GetRunAsync("run-3"))!.Stages.Single().Status);

        await _ledger.RecordAsync(new StageFailed("run-3", plan, Stages.SubCenter, "d/shard-0001.bin: truncated", T0.AddSeconds(9)));
        var details = (await _ledger.GetRunAsync("run-3"))!;
        Assert.Equal(RunStatus.Failed, details.Run.Status);
        var stage = details.Stages.Single();
        Assert.Equal(StageStatus.Failed, stage.Status);
        Assert.Contains("truncated", stage.DetailJson);
        Assert.Null(await _ledger.GetRunAsync("no-such-run"));
    }

    [Fact]
    public async Task Concurrent_writers_from_two_ledgers_on_one_file_lose_nothing()
    {
        var other = new RunLedger(_ledger.Path);
        var plan = RunPlan.Default;
        var writes = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var ledger = w % 2 == 0 ? _ledger : other;
            for (var i = 0; i < 25; i++)
                await ledger.RecordAsync(new TrainingProgressed($"run-{w % 3}", plan, Stages.SubCenter, 1, 1, i, 1, 1, 1, T0.AddSeconds(i)),
                    $"w{w}-{i}");
        }));
        await Task.WhenAll(writes);

        var runs = await _ledger.ListRunsAsync();
        Assert.Equal(3, runs.Count);
        var total = 0;
        foreach (var r in runs) total += (await _ledger.GetRunAsync(r.RunId))!.Events.Count;
        Assert.Equal(200, total);
    }

    [Fact]
    public void Every_reported_message_is_a_line_of_its_stage_whose_detail_is_the_message_less_its_run()
    {
        Assert.NotEmpty(RunMessages.Reported);
        foreach (var type in RunMessages.Reported)
        {
            var message = (IStageReport)SampleMessages.Of(type, "run-lines", Stages.Final);
            var entry = LedgerEntries.From(message, "key");
            Assert.Equal((message.RunId, message.Stage, message.Status, type.Name, "key"), (entry.RunId, entry.Stage, entry.Status, entry.MessageType, entry.DedupeKey));
            Assert.Equal(message.Plan, entry.Plan);
            // Every field the message was built from, by name, and nothing else (its report stays out of the JSON).
            var fields = SampleMessages.Constructor(type).GetParameters()
                .Where(p => p.Name is not (nameof(IRunMessage.RunId) or nameof(IRunMessage.Plan)) && !(p.HasDefaultValue && p.DefaultValue is null))
                .Select(p => PipelineJson.Name(p.Name!));
            using var detail = JsonDocument.Parse(entry.DetailJson!);
            Assert.Equal(fields.Order(), detail.RootElement.EnumerateObject().Select(p => p.Name).Order());
        }
    }
}
