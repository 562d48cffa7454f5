using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults;

namespace Pipeline.Trainer;

/// <summary>
/// Trainer: turns run events into training commands (<see cref="StageSequencer"/>), accepts
/// TrainModel quickly (<see cref="TrainModelConsumer"/>) and runs jobs one at a time per instance
/// in the background (<see cref="TrainingWorker"/>); more instances train more jobs at once.
/// </summary>
public sealed class TrainerModule : ServiceModule
{
    public override string Name => "trainer";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TrainingJobQueue>();
        services.AddHostedService<TrainingWorker>();
    }

    public override void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<StageSequencer>();
        bus.AddConsumer<TrainModelConsumer>();
    }
}
