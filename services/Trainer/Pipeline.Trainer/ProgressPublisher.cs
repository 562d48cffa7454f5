using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;

namespace Pipeline.Trainer;

/// <summary>
/// Publishes a job's TrainingProgressed events from a loop of its own, newest only: progress is informational, so a
/// publish that fails or hangs (a broker outage) is logged and dropped, and training never waits on the broker.
/// </summary>
public sealed class ProgressPublisher : IAsyncDisposable
{
    /// <summary>How long one publish may take before it is given up; also the most <see cref="DisposeAsync"/> waits for the last one.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    // Capacity 1, dropping the oldest: while a publish is slow only the newest progress waits behind it.
    private readonly Channel<TrainingProgressed> _pending = Channel.CreateBounded<TrainingProgressed>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly IBus _bus;
    private readonly ILogger _log;
    private readonly Task _loop;
    private int _failingStreak;

    public ProgressPublisher(IBus bus, ILogger log)
    {
        _bus = bus;
        _log = log;
        _loop = Task.Run(SendLoop);
    }

    /// <summary>Publishes <paramref name="progress"/> soon; returns at once.</summary>
    public void Post(TrainingProgressed progress) => _pending.Writer.TryWrite(progress);

    private async Task SendLoop()
    {
        await foreach (var p in _pending.Reader.ReadAllAsync())
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            try
            {
                await _bus.Publish(p, timeout.Token).WaitAsync(PublishTimeout);
                if (_failingStreak > 0) _log.LogInformation("{Run}/{Stage}: progress is published again", p.RunId, p.Stage);
                _failingStreak = 0;
            }
            catch (Exception e)
            {
                // The first failure of a streak is a warning; the rest would repeat it every few seconds of an outage.
                if (++_failingStreak == 1)
                    _log.LogWarning(e, "{Run}/{Stage}: publishing training progress failed; dropped (training goes on, progress is informational)", p.RunId, p.Stage);
                else _log.LogDebug(e, "{Run}/{Stage}: progress publish failed again; dropped", p.RunId, p.Stage);
            }
        }
    }

    /// <summary>Sends the newest pending progress, waiting at most <see cref="PublishTimeout"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        try { await _loop.WaitAsync(PublishTimeout); }
        catch (TimeoutException) { _log.LogDebug("last progress publish still pending; left behind"); }
    }
}
