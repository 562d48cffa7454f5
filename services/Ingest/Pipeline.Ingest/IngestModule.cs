using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults;

namespace Pipeline.Ingest;

/// <summary>
/// The Ingest service: <see cref="DropWatcher"/> turns complete drops into <c>DatasetDropped</c>,
/// <see cref="IngestConsumer"/> packs each one into datasets/&lt;datasetId&gt;/ and publishes <c>DatasetIngested</c>.
/// </summary>
public sealed class IngestModule : ServiceModule
{
    public override string Name => "ingest";

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(IngestSettings.From(configuration));
        services.AddHostedService<DropWatcher>();
    }

    public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddConsumer<IngestConsumer>();
}
