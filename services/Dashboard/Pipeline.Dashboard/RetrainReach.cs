using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard;

/// <summary>
/// Whether a retrain this process publishes can start a run, and if not why: over RabbitMQ a trainer anywhere takes it,
/// but the in-memory bus reaches only consumers in this process, so `pipeline dashboard` (which shows a root and trains
/// nothing) refuses it instead of answering 202 for a run that never starts.
/// </summary>
public sealed class RetrainReach(IServiceProvider services, IConfiguration configuration, ServiceSettings settings)
{
    public const string NoKey = "retrain is disabled: Pipeline:ApiKey is not configured";
    public const string NoTrainer = "retrain is unavailable here: this process runs no trainer and its bus is in-memory, so a retrain would reach no one"
        + " (`pipeline dashboard` only shows a root: retrain with `pipeline run`, or from the dashboard of a pipeline with its trainers)";

    // The ledger records every message, a retrain too, but starts nothing: any other consumer of it is the trainer's.
    private readonly Lazy<bool> _reachesTrainer = new(() => configuration.GetPipelineOptions().IsRabbitMq()
        || services.GetServices<IConsumerRegistration>().Any(r => r.Type.IsAssignableTo(typeof(IConsumer<RetrainRequested>))
            && r.Type != typeof(LedgerConsumer<RetrainRequested>)));

    /// <summary>Why a retrain cannot be made here (no key configured, or no trainer to reach), or null when it can.</summary>
    public string? Unavailable => settings.ApiKey.Length == 0 ? NoKey : _reachesTrainer.Value ? null : NoTrainer;
}
