using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// Keeps every run of a ledger moving or ends it, beside the ledger (the dashboard, or the embedded pipeline):
/// at start it publishes again what each unfinished run is waiting on (<see cref="RunFrontier"/>: consumers are
/// idempotent, so a drop killed mid-ingest is ingested again, a purification or index whose step died is redone),
/// and every <see cref="ServiceSettings.StallCheckSeconds"/> it fails, as "stalled" with what it was waiting for, a
/// run that has recorded nothing for <see cref="ServiceSettings.StallMinutes"/>.
/// </summary>
public sealed class RunRecovery(RunLedger ledger, IBus bus, ServiceSettings settings, IHostApplicationLifetime life, ILogger<RunRecovery> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Publishing needs the bus, which starts with the host after this service.
        var started = new TaskCompletionSource();
        await using (life.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; } catch (OperationCanceledException) { return; }
        }
        try
        {
            if (settings.ResumeAtStart) await ResumeAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, settings.StallCheckSeconds)), stoppingToken);
                try { await FailStalledAsync(DateTimeOffset.UtcNow, stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "the check for stalled runs failed; trying again later"); }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>Publishes again what every running run waits on; returns the runs resumed.</summary>
    public async Task<IReadOnlyList<string>> ResumeAsync(CancellationToken ct)
    {
        var resumed = new List<string>();
        foreach (var run in await RunningAsync(ct))
        {
            var pending = RunFrontier.Of(run);
            if (pending.Count == 0)
            {
                await FailAsync(run, run.Run.CurrentStage ?? Stages.Ingest, "resume: the ledger shows nothing this run still waits for; start it again", ct);
                continue;
            }
            foreach (var p in pending)
            {
                log.LogInformation("resuming run {Run}: publishing {Message} again; it waits for {What}", run.Run.RunId, p.Message.GetType().Name, p.WaitingFor);
                await bus.Publish(p.Message, p.Message.GetType(), ct);
            }
            resumed.Add(run.Run.RunId);
        }
        return resumed;
    }

    /// <summary>Fails every running run whose newest event is older than the stall time; returns the failures published.</summary>
    public async Task<IReadOnlyList<StageFailed>> FailStalledAsync(DateTimeOffset now, CancellationToken ct)
    {
        var stall = TimeSpan.FromMinutes(settings.StallMinutes);
        var failed = new List<StageFailed>();
        if (stall <= TimeSpan.Zero) return failed;
        foreach (var run in await RunningAsync(ct))
        {
            if (now - run.Run.UpdatedAt < stall) continue;
            var waiting = RunFrontier.Of(run).OrderBy(p => p.Since).FirstOrDefault();
            var idle = $"stalled: nothing recorded for {(now - run.Run.UpdatedAt).TotalMinutes:F0} min (Pipeline:StallMinutes = {settings.StallMinutes})";
            failed.Add(waiting is null
                ? await FailAsync(run, run.Run.CurrentStage ?? Stages.Ingest, $"{idle} after {run.Run.CurrentStage}", ct)
                : await FailAsync(run, waiting.Stage, $"{idle}; waiting for {waiting.WaitingFor} since {waiting.Since:u}", ct));
        }
        return failed;
    }

    private async Task<List<RunDetails>> RunningAsync(CancellationToken ct)
    {
        var runs = new List<RunDetails>();
        foreach (var summary in await ledger.ListRunsAsync(int.MaxValue, RunStatus.Running, ct))
            if (await ledger.GetRunAsync(summary.RunId, ct) is { } run)
                runs.Add(run);
        return runs;
    }

    private async Task<StageFailed> FailAsync(RunDetails run, string stage, string reason, CancellationToken ct)
    {
        log.LogError("run {Run}: {Stage} failed: {Reason}", run.Run.RunId, stage, reason);
        var failed = new StageFailed(run.Run.RunId, run.Run.Plan ?? RunPlan.Default, stage, reason, DateTimeOffset.UtcNow);
        await bus.Publish(failed, ct);
        return failed;
    }
}
