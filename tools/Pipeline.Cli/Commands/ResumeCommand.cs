using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Cli.Demo;
using Pipeline.Infra.Ledger;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `pipeline resume`: after a crash or a kill, picks up every unfinished run of an embedded root in one process
/// (drops ingested again, training resumed from its checkpoints, purify and index steps redone) and waits until
/// each has completed or failed with a reason; none is left "running" when it returns.
/// </summary>
public static class ResumeCommand
{
    public sealed record ResumedRun(string RunId, string Status, string? Failure, IReadOnlyList<StageTime> Stages);

    public sealed record ResumeSummary(string Root, IReadOnlyList<ResumedRun> Runs, double TotalSeconds)
    {
        public bool Succeeded => Runs.All(r => r.Status == RunStatus.Completed);

        public string ToText() => Runs.Count == 0
            ? $"nothing to resume in {Root}: no run is running"
            : string.Join(Environment.NewLine, Runs.Select(r => $"run {r.RunId}: {r.Status}{(r.Failure is null ? "" : " - " + r.Failure)}")
                .Prepend($"resumed {Runs.Count} run(s) of {Root} in {TotalSeconds:F0} s:"));
    }

    public static Command Create()
    {
        var root = CommonOptions.Root("The embedded root whose unfinished runs to resume");
        var json = CommonOptions.Json();
        var cmd = new Command("resume", "Resume every unfinished run of an embedded root (after a crash or kill) and wait until each completes or fails");
        foreach (var o in new Option[] { root, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var summary = await ResumeAsync(Path.GetFullPath(r.GetValue(root)!), r.GetValue(CommonOptions.Verbose), ct);
            ConsoleOutput.Summary(r.GetValue(json), summary, summary.ToText());
            return summary.Succeeded ? 0 : 1;
        }));
        return cmd;
    }

    public static async Task<ResumeSummary> ResumeAsync(string root, bool verbose, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(root, "ledger.db"))) throw new FileNotFoundException($"{root}: no run ledger (ledger.db) here: not a pipeline root");
        // The host's RunRecovery publishes again what each run waits for as soon as the bus is up.
        await using var app = EmbeddedPipeline.Build(root, null, verbose);
        var ledger = app.Services.GetRequiredService<RunLedger>();
        var running = (await ledger.ListRunsAsync(int.MaxValue, RunStatus.Running, ct)).Select(s => s.RunId).ToList();
        await app.StartAsync(ct);
        var runs = new List<ResumedRun>();
        foreach (var runId in running)
        {
            ConsoleOutput.Info($"resuming run {runId}");
            var run = await DemoRun.WatchAsync(ledger, runId, ct);
            runs.Add(new ResumedRun(runId, run.Run.Status, DemoRun.FailureReason(run), StageTimeline.FromLedger(run, run.Run.CreatedAt)));
        }
        await app.StopAsync(CancellationToken.None);
        return new ResumeSummary(root, runs, clock.Elapsed.TotalSeconds);
    }
}
