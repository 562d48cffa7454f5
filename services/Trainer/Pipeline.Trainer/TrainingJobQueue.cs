using System.Diagnostics;
using Pipeline.Contracts;

namespace Pipeline.Trainer;

/// <summary>
/// Accepted jobs waiting for this instance's worker, the most urgent first (<see cref="Urgency"/>, then in arrival
/// order); a job already waiting is not queued twice. Each keeps the trace it was queued in (the TrainModel's, or the
/// one the rescan read back), which its training continues.
/// </summary>
public sealed class TrainingJobQueue
{
    private readonly List<(TrainModel Job, ActivityContext Trace, long Order)> _waiting = [];
    private readonly SemaphoreSlim _count = new(0);
    private long _arrivals;

    /// <param name="trace">The job's trace; by default the current one.</param>
    public bool Enqueue(TrainModel job, ActivityContext? trace = null)
    {
        lock (_waiting)
        {
            if (_waiting.Any(w => Key(w.Job) == Key(job))) return false;
            _waiting.Add((job, trace ?? Activity.Current?.Context ?? default, _arrivals++));
        }
        _count.Release();
        return true;
    }

    public async Task<(TrainModel Job, ActivityContext Trace)> DequeueAsync(CancellationToken ct)
    {
        await _count.WaitAsync(ct);
        lock (_waiting)
        {
            var next = _waiting.MinBy(w => (Urgency(w.Job.Stage), w.Order));
            _waiting.Remove(next);
            return (next.Job, next.Trace);
        }
    }

    /// <summary>Whether a waiting job is more urgent than <paramref name="running"/>: the worker then lets it go first.</summary>
    public bool HasMoreUrgentThan(TrainModel running)
    {
        lock (_waiting) return _waiting.Any(w => Urgency(w.Job.Stage) < Urgency(running.Stage));
    }

    /// <summary>
    /// Nearer the index first: the final model is all its run still waits for, purification and the final model wait for
    /// the sub-center model, and nothing waits for the baseline but the comparison with it.
    /// </summary>
    internal static int Urgency(string stage) => stage switch
    {
        Stages.Final => 0,
        Stages.SubCenter => 1,
        _ => 2,
    };

    private static string Key(TrainModel job) => job.RunId + "/" + job.Stage;
}
