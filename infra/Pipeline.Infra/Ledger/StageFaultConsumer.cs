using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// A message that failed every retry (MassTransit publishes its Fault&lt;T&gt;, and on RabbitMQ moves it to an
/// _error queue) fails the stage that owed its consequence, with the exception's message: the run ends failed
/// with a reason instead of staying "running". Hosted beside the ledger, once per ledger.
/// </summary>
public sealed class StageFaultConsumer :
    IConsumer<Fault<DatasetDropped>>,
    IConsumer<Fault<DatasetIngested>>,
    IConsumer<Fault<RetrainRequested>>,
    IConsumer<Fault<TrainModel>>,
    IConsumer<Fault<ModelTrained>>,
    IConsumer<Fault<DatasetPurified>>,
    IConsumer<Fault<PurifyShard>>,
    IConsumer<Fault<IndexShard>>
{
    public const string QueueName = "stage-faults";

    public Task Consume(ConsumeContext<Fault<DatasetDropped>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.Ingest);
    public Task Consume(ConsumeContext<Fault<DatasetIngested>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.SubCenter);
    public Task Consume(ConsumeContext<Fault<RetrainRequested>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.SubCenter);
    public Task Consume(ConsumeContext<Fault<TrainModel>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, c.Message.Message.Stage);
    public Task Consume(ConsumeContext<Fault<DatasetPurified>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.Final);
    public Task Consume(ConsumeContext<Fault<PurifyShard>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.Purify);
    public Task Consume(ConsumeContext<Fault<IndexShard>> c) => Fail(c, c.Message.Message.RunId, c.Message.Message.Plan, Stages.Index);

    public Task Consume(ConsumeContext<Fault<ModelTrained>> c)
    {
        var m = c.Message.Message;
        var fed = m.Stage == Stages.FedBy(Stages.Purify) ? Stages.Purify : m.Stage == Stages.FedBy(Stages.Index) ? Stages.Index : null;
        return fed is null ? Task.CompletedTask : Fail(c, m.RunId, m.Plan, fed);
    }

    private static Task Fail<T>(ConsumeContext<Fault<T>> c, string runId, RunPlan plan, string stage) where T : class
    {
        var e = c.Message.Exceptions.FirstOrDefault();
        var why = e is null ? "no exception recorded" : $"{e.ExceptionType.Split('.')[^1]}: {e.Message}";
        return c.Publish(new StageFailed(runId, plan, stage, $"{typeof(T).Name} failed after every retry: {why}", DateTimeOffset.UtcNow));
    }
}
