using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// Feeds the run ledger from every pipeline message. Host it in one process per ledger file (the Dashboard,
/// or the embedded demo): replicas would compete on its queue and each see only part of the history.
/// </summary>
public sealed class LedgerConsumer(RunLedger ledger) :
    IConsumer<DatasetDropped>,
    IConsumer<DatasetIngested>,
    IConsumer<TrainingProgressed>,
    IConsumer<ModelTrained>,
    IConsumer<DatasetPurified>,
    IConsumer<IndexPublished>,
    IConsumer<StageFailed>,
    IConsumer<TrainModel>,
    IConsumer<RetrainRequested>
{
    /// <summary>Queue of the ledger consumer.</summary>
    public const string QueueName = "run-ledger";

    public Task Consume(ConsumeContext<DatasetDropped> context) => Record(context);
    public Task Consume(ConsumeContext<DatasetIngested> context) => Record(context);
    public Task Consume(ConsumeContext<TrainingProgressed> context) => Record(context);
    public Task Consume(ConsumeContext<ModelTrained> context) => Record(context);
    public Task Consume(ConsumeContext<DatasetPurified> context) => Record(context);
    public Task Consume(ConsumeContext<IndexPublished> context) => Record(context);
    public Task Consume(ConsumeContext<StageFailed> context) => Record(context);
    public Task Consume(ConsumeContext<TrainModel> context) => Record(context);
    public Task Consume(ConsumeContext<RetrainRequested> context) => Record(context);

    private Task Record<T>(ConsumeContext<T> context) where T : class =>
        ledger.RecordAsync(context.Message, context.MessageId?.ToString("N"), context.CancellationToken);
}

public static class LedgerRegistration
{
    /// <summary>
    /// Adds the ledger consumer on queue "run-ledger" (the ledger itself comes from AddPipelineInfra) and, beside it, the
    /// consumer that turns a message's final fault into its stage's failure.
    /// </summary>
    public static IBusRegistrationConfigurator AddRunLedgerConsumer(this IBusRegistrationConfigurator x)
    {
        x.AddConsumer<LedgerConsumer, NoFaultsDefinition<LedgerConsumer>>().Endpoint(e => e.Name = LedgerConsumer.QueueName);
        x.AddConsumer<StageFaultConsumer, NoFaultsDefinition<StageFaultConsumer>>().Endpoint(e => e.Name = StageFaultConsumer.QueueName);
        return x;
    }
}

/// <summary>The ledger's own failures are not a stage's: they publish no faults (which would fail runs that are fine).</summary>
public sealed class NoFaultsDefinition<T> : ConsumerDefinition<T> where T : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<T> consumer, IRegistrationContext context) =>
        endpoint.PublishFaults = false;
}
