using MassTransit;
using Pipeline.Infra.Ledger;

namespace Pipeline.ServiceDefaults;

/// <summary>The run ledger's consumer: host it in exactly one process (the dashboard, or the embedded demo).</summary>
public sealed class LedgerModule : ServiceModule
{
    public override string Name => "ledger";

    public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddRunLedgerConsumer();
}
