using System.Diagnostics;
using System.Threading.Channels;
using Pipeline.Contracts;

namespace Pipeline.Trainer;

/// <summary>
/// Accepted jobs waiting for this instance's worker; a job already waiting is not queued twice. Each keeps the trace it
/// was queued in (the TrainModel's, or the one the rescan read back), which its training continues.
/// </summary>
public sealed class TrainingJobQueue
{
    private readonly Channel<(TrainModel, ActivityContext)> _channel = Channel.CreateUnbounded<(TrainModel, ActivityContext)>();
    private readonly HashSet<string> _waiting = [];

    /// <param name="trace">The job's trace; by default the current one.</param>
    public bool Enqueue(TrainModel job, ActivityContext? trace = null)
    {
        lock (_waiting)
            if (!_waiting.Add(Key(job))) return false;
        _channel.Writer.TryWrite((job, trace ?? Activity.Current?.Context ?? default));
        return true;
    }

    public async Task<(TrainModel Job, ActivityContext Trace)> DequeueAsync(CancellationToken ct)
    {
        var (job, trace) = await _channel.Reader.ReadAsync(ct);
        lock (_waiting) _waiting.Remove(Key(job));
        return (job, trace);
    }

    private static string Key(TrainModel job) => job.RunId + "/" + job.Stage;
}
