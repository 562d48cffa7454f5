using Pipeline.Artifacts;
using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.ServiceDefaults;

namespace Pipeline.Indexer;

/// <summary>
/// Indexer: embeds the final model's kept samples shard by shard into a collection of its own,
/// publishes identity templates and switches the serving alias when the collection is complete;
/// serves face search over HTTP.
/// </summary>
public sealed class IndexerModule : ServiceModule
{
    public override string Name => "indexer";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<SampleThumbnails>(); // shared with the dashboard when one process hosts both
        services.AddSingleton<FaceSearch>();
        services.AddSingleton<ServedIndex>();
    }

    public override void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<IndexPlanner>();
        bus.AddConsumer<IndexShardConsumer>();
    }

    public override void MapEndpoints(IEndpointRouteBuilder endpoints) => SearchEndpoints.Map(endpoints);
}
