using MassTransit;
using Pipeline.ServiceDefaults;

namespace Pipeline.Purifier;

/// <summary>
/// Purifier: splits a trained sub-center model's dataset into shard jobs
/// (<see cref="PurificationPlanner"/>), scores each shard (<see cref="PurifyShardConsumer"/>, any
/// number of instances share them), and the last shard decides for the whole set.
/// </summary>
public sealed class PurifierModule : ServiceModule
{
    public override string Name => "purifier";

    public override void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<PurificationPlanner>();
        bus.AddConsumer<PurifyShardConsumer>();
    }
}
