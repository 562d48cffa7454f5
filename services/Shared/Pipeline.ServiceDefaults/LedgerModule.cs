using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Ledger;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The run ledger's consumers (events, and faults that fail their stage) and the recovery that resumes or ends
/// unfinished runs: host it in exactly one process (the dashboard, or the embedded pipeline).
/// </summary>
public sealed class LedgerModule : ServiceModule
{
    public override string Name => "ledger";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<RunRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<RunRecovery>());
    }

    public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddRunLedgerConsumer();
}
