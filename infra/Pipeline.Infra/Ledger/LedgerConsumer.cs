using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// Feeds the run ledger from one message type; one is registered on the ledger's queue for every type that reports on
/// its stage (<see cref="RunMessages.Reported"/>). Host it in one process per ledger file (the Dashboard, or the embedded
/// demo): replicas would compete on its queue and each see only part of the history.
/// </summary>
/// <remarks>
/// Per type rather than one consumer of <see cref="IStageReport"/>: MassTransit hands an interface's consumer a proxy
/// read from the message's JSON, which lacks the type, its detail and the explicitly implemented report.
/// </remarks>
public sealed class LedgerConsumer<T>(RunLedger ledger) : IConsumer<T> where T : class, IStageReport
{
    public Task Consume(ConsumeContext<T> context) =>
        ledger.RecordAsync(context.Message, context.MessageId?.ToString("N"), context.CancellationToken);
}

public static class LedgerRegistration
{
    /// <summary>Queue of the ledger's consumers.</summary>
    public const string LedgerQueue = "run-ledger";

    /// <summary>Queue of the fault consumers.</summary>
    public const string FaultQueue = "stage-faults";

    /// <summary>
    /// Adds the ledger's consumers on queue "run-ledger" (the ledger itself comes from AddPipelineInfra) and, beside
    /// them, the consumers that turn a message's final fault into the failure of the stage it feeds.
    /// </summary>
    public static IBusRegistrationConfigurator AddRunLedgerConsumer(this IBusRegistrationConfigurator x)
    {
        foreach (var type in RunMessages.Reported)
            Add(x, typeof(LedgerConsumer<>).MakeGenericType(type), LedgerQueue);
        foreach (var type in StageGraph.Messages)
            Add(x, typeof(StageFaultConsumer<>).MakeGenericType(type), FaultQueue);
        return x;
    }

    private static void Add(IBusRegistrationConfigurator x, Type consumer, string queue) =>
        x.AddConsumer(consumer, typeof(NoFaultsDefinition<>).MakeGenericType(consumer)).Endpoint(e => e.Name = queue);
}

/// <summary>The ledger's own failures are not a stage's: they publish no faults (which would fail runs that are fine).</summary>
public sealed class NoFaultsDefinition<T> : ConsumerDefinition<T> where T : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<T> consumer, IRegistrationContext context) =>
        endpoint.PublishFaults = false;
}
