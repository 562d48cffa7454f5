using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>One line of the ledger: something happened to a stage of a run (what an <see cref="IStageReport"/> says).</summary>
/// <param name="DedupeKey">Makes recording idempotent (a redelivered message has the same key); null = always record.</param>
public sealed record LedgerEntry(
    string RunId,
    string Stage,
    string Status,
    DateTimeOffset At,
    string MessageType,
    string? DetailJson = null,
    RunPlan? Plan = null,
    string? DatasetId = null,
    string? DedupeKey = null);

/// <summary>Values of a run's status.</summary>
public static class RunStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>A run as listed: where it stands now.</summary>
public sealed record RunSummary(
    string RunId,
    string Status,
    string? CurrentStage,
    string? DatasetId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    RunPlan? Plan);

/// <summary>
/// One stage of a run: its latest status; when it was queued, if it was (a training job waits for a free
/// Trainer; null when it started at once); when its work started (its first start or progress event, else its
/// first event; for a stage that announces only its outcome, the completion of the stage feeding it,
/// <see cref="StageGraph.FedBy"/>); when it ended (completed or failed); the detail of its last event (metrics
/// for a trained model, reason for a failure) and of its last progress.
/// </summary>
public sealed record StageSummary(
    string Stage,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? DetailJson,
    string? LastProgressJson,
    DateTimeOffset? QueuedAt = null,
    IReadOnlyList<StagePause>? Pauses = null)
{
    /// <summary>
    /// Seconds of work: from the start to the end, or to <paramref name="now"/> while it runs, less its pauses; none while
    /// it waits in the queue before it started.
    /// </summary>
    public double WorkSeconds(DateTimeOffset now)
    {
        if (WaitingToStart) return 0;
        var end = EndedAt ?? now;
        double paused = (Pauses ?? []).Sum(p => ((p.To ?? end) - p.From).TotalSeconds);
        return Math.Max(0, (end - StartedAt).TotalSeconds - paused);
    }

    /// <summary>Seconds in the queue before the work started, or until <paramref name="now"/> while it still waits.</summary>
    public double QueuedSeconds(DateTimeOffset now) =>
        QueuedAt is { } q ? Math.Max(0, ((WaitingToStart ? now : StartedAt) - q).TotalSeconds) : 0;

    /// <summary>Queued and not yet started: its work is all ahead of it (a paused stage has started).</summary>
    public bool WaitingToStart => Status == StageStatus.Queued && Pauses is not { Count: > 0 };
}

/// <summary>A time a started stage waited in the queue again (a training that yielded to a more urgent one); <paramref name="To"/> null while it still waits.</summary>
public sealed record StagePause(DateTimeOffset From, DateTimeOffset? To);

public sealed record LedgerEvent(long Id, string Stage, string Status, DateTimeOffset At, string MessageType, string? DetailJson);

public sealed record RunDetails(RunSummary Run, IReadOnlyList<StageSummary> Stages, IReadOnlyList<LedgerEvent> Events);
