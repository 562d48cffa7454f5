using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// What one service contributes to a host: its services, its consumers and (optionally) HTTP
/// endpoints. The same module runs alone in its own process (distributed) or beside the others
/// in one process (the embedded demo).
/// </summary>
public abstract class ServiceModule
{
    public abstract string Name { get; }

    public virtual void AddServices(IServiceCollection services, IConfiguration configuration) { }

    public virtual void AddConsumers(IBusRegistrationConfigurator bus) { }

    public virtual void MapEndpoints(IEndpointRouteBuilder endpoints) { }
}
