using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// A publish observer on the real bus that breaks TrainingProgressed as a broker outage does: the first publish
/// never returns (it ignores cancellation, like a hung connection) and every later one throws.
/// </summary>
public sealed class FaultyProgressPublishes : IPublishObserver
{
    private readonly TaskCompletionSource _never = new();
    private int _seen;

    public int Seen => Volatile.Read(ref _seen);

    public Task PrePublish<T>(PublishContext<T> context) where T : class
    {
        if (context.Message is not TrainingProgressed) return Task.CompletedTask;
        return Interlocked.Increment(ref _seen) == 1 ? _never.Task : throw new InvalidOperationException("injected: the broker refused TrainingProgressed");
    }

    public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;
    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public void Release() => _never.TrySetResult();
}
