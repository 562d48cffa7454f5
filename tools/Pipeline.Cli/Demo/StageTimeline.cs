using System.Text;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Cli.Demo;

/// <summary>
/// One step of a run on the watcher's clock: a pipeline stage from the ledger, or a step of the command around it
/// (synthesis, holdout evaluation, the search check). <paramref name="Start"/> and <paramref name="End"/> are seconds
/// from the command's start; <paramref name="Queued"/> when the step waited for a free worker before it started;
/// <paramref name="Paused"/> the times it waited again after it started (a training that yielded to a more urgent one).
/// </summary>
public sealed record StageTime(string Stage, string Status, double Seconds, double Start, double End, double? Queued = null,
    IReadOnlyList<PauseTime>? Paused = null);

/// <summary>A pause of a step, in seconds from the command's start.</summary>
public sealed record PauseTime(double From, double To);

/// <summary>Where a run's time went: its steps on one clock, printed as bars so that waits and overlaps show.</summary>
public static class StageTimeline
{
    private const int Width = 50;

    /// <summary>The ledger's stages of <paramref name="run"/>, timed from <paramref name="origin"/>; a running stage ends now.</summary>
    public static List<StageTime> FromLedger(RunDetails run, DateTimeOffset origin)
    {
        var now = DateTimeOffset.UtcNow;
        double At(DateTimeOffset t) => Math.Round((t - origin).TotalSeconds, 2);
        return run.Stages.Select(s => new StageTime(s.Stage, s.Status, Math.Round(s.WorkSeconds(now), 2),
            At(s.WaitingToStart ? now : s.StartedAt), At(s.EndedAt ?? now),
            s.QueuedAt is { } q ? At(q) : null,
            s.Pauses?.Select(p => new PauseTime(At(p.From), At(p.To ?? now))).ToList())).ToList();
    }

    /// <summary>A step the command timed itself, from <paramref name="start"/> to <paramref name="end"/> seconds.</summary>
    public static StageTime Step(string name, double start, double end) =>
        new(name, StageStatus.Completed, Math.Round(end - start, 2), Math.Round(start, 2), Math.Round(end, 2));

    /// <summary>One line a step: name, status, seconds of work, start and end, and a bar ('.' queued, '#' working).</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<StageTime> steps, double total)
    {
        double span = Math.Max(total, steps.Count == 0 ? 1 : steps.Max(s => s.End));
        double perChar = Math.Max(span / Width, 1e-9);
        yield return $"  {"step",-12} {"status",-10} {"work",8} {"from",7} {"to",7}  timeline ('.' queued, '#' working; one mark {perChar:0.#} s)";
        foreach (var s in steps.OrderBy(s => s.Queued ?? s.Start))
            yield return $"  {s.Stage,-12} {s.Status,-10} {s.Seconds,6:F1} s {s.Start,7:F1} {s.End,7:F1}  |{Bar(s, perChar)}|";
    }

    private static string Bar(StageTime s, double perChar)
    {
        var bar = new StringBuilder(new string(' ', Width));
        int Col(double t) => Math.Clamp((int)(t / perChar), 0, Width - 1);
        if (s.Queued is double q) for (int i = Col(q); i < Col(s.Start); i++) bar[i] = '.';
        for (int i = Col(s.Start); i <= Col(Math.Max(s.Start, s.End - 1e-9)); i++) bar[i] = '#';
        foreach (var p in s.Paused ?? []) for (int i = Col(p.From) + 1; i < Col(p.To); i++) bar[i] = '.';
        return bar.ToString();
    }
}
