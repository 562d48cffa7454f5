using System.Collections.Concurrent;
using MassTransit;

namespace Pipeline.TestSupport;

/// <summary>
/// What a bus published, in order, and how many <typeparamref name="TShard"/> messages of each run the consumer on
/// queue <paramref name="queue"/> has handled or failed: a test of a sharded step waits for its shards, then counts outcomes.
/// </summary>
public sealed class BusProbe<TShard>(string queue, Func<TShard, string> runOf) : IPublishObserver, IConsumeMessageObserver<TShard>
    where TShard : class
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly ConcurrentQueue<object> _published = new();
    private readonly ConcurrentDictionary<string, int> _handled = new();

    /// <summary>Observes <paramref name="bus"/> from now on.</summary>
    public BusProbe<TShard> Connect(IBus bus)
    {
        bus.ConnectPublishObserver(this);
        bus.ConnectConsumeMessageObserver(this);
        return this;
    }

    public IReadOnlyList<T> Published<T>(Func<T, bool> match) where T : class => _published.OfType<T>().Where(match).ToList();

    /// <summary>Waits until <paramref name="count"/> messages of the run have been handled.</summary>
    public Task HandledAsync(string runId, int count) =>
        Until(() => _handled.GetValueOrDefault(runId) >= count, $"{count} {typeof(TShard).Name} of {runId} handled (saw {_handled.GetValueOrDefault(runId)})");

    /// <summary>The first published <typeparamref name="T"/> that matches, waiting for it.</summary>
    public async Task<T> NextAsync<T>(Func<T, bool> match) where T : class
    {
        await Until(() => Published(match).Count > 0, $"{typeof(T).Name} published");
        return Published(match)[0];
    }

    private static async Task Until(Func<bool> done, string what)
    {
        for (var until = DateTime.UtcNow + Timeout; !done(); await Task.Delay(50))
            if (DateTime.UtcNow > until) throw new TimeoutException($"no {what} within {Timeout.TotalMinutes} min");
    }

    private void Handled(ConsumeContext<TShard> context)
    {
        // Only the consumer under test: another consumer of the same message type has a queue of its own.
        if (context.ReceiveContext.InputAddress.AbsolutePath.EndsWith("/" + queue))
            _handled.AddOrUpdate(runOf(context.Message), 1, (_, n) => n + 1);
    }

    public Task PreConsume(ConsumeContext<TShard> context) => Task.CompletedTask;

    public Task PostConsume(ConsumeContext<TShard> context)
    {
        Handled(context);
        return Task.CompletedTask;
    }

    public Task ConsumeFault(ConsumeContext<TShard> context, Exception exception)
    {
        Handled(context);
        return Task.CompletedTask;
    }

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        _published.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
