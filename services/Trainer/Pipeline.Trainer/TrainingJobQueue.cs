using System.Threading.Channels;
using Pipeline.Contracts;

namespace Pipeline.Trainer;

/// <summary>Accepted jobs waiting for this instance's worker; a job already waiting is not queued twice.</summary>
public sealed class TrainingJobQueue
{
    private readonly Channel<TrainModel> _channel = Channel.CreateUnbounded<TrainModel>();
    private readonly HashSet<string> _waiting = [];

    public bool Enqueue(TrainModel job)
    {
        lock (_waiting)
            if (!_waiting.Add(Key(job))) return false;
        _channel.Writer.TryWrite(job);
        return true;
    }

    public async Task<TrainModel> DequeueAsync(CancellationToken ct)
    {
        var job = await _channel.Reader.ReadAsync(ct);
        lock (_waiting) _waiting.Remove(Key(job));
        return job;
    }

    private static string Key(TrainModel job) => job.RunId + "/" + job.Stage;
}
