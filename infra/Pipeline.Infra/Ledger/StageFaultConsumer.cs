using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// A message that failed every retry (MassTransit publishes its Fault&lt;T&gt;, and on RabbitMQ moves it to an
/// _error queue) fails the stage it feeds (<see cref="StageGraph"/>), with the exception's message: the run ends failed
/// with a reason instead of staying "running". One is registered for every message type of the graph, hosted beside
/// the ledger, once per ledger.
/// </summary>
public sealed class StageFaultConsumer<T> : IConsumer<Fault<T>> where T : class, IRunMessage
{
    public Task Consume(ConsumeContext<Fault<T>> context)
    {
        var m = context.Message.Message;
        if (StageGraph.Fed(m).FirstOrDefault() is not { } stage) return Task.CompletedTask; // a message that feeds no stage in this run
        var e = context.Message.Exceptions.FirstOrDefault();
        var why = e is null ? "no exception recorded" : $"{e.ExceptionType.Split('.')[^1]}: {e.Message}";
        return context.Publish(new StageFailed(m.RunId, m.Plan, stage, $"{typeof(T).Name} failed after every retry: {why}", DateTimeOffset.UtcNow));
    }
}
