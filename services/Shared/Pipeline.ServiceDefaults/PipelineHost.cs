using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra;
using Pipeline.Infra.Messaging;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The one way every service process is put together: configuration (appsettings.json,
/// environment variables such as Pipeline__Transport=RabbitMq, command line), infra (blob store,
/// resilience, ledger, vector index), telemetry, the bus with the modules' consumers, and their endpoints.
/// </summary>
public static class PipelineHost
{
    /// <summary>The liveness probe the deploy files poll.</summary>
    public const string HealthPath = "/health";

    public static WebApplication Build(string[] args, params ServiceModule[] modules) => Build(args, null, modules);

    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure, params ServiceModule[] modules)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        configure?.Invoke(builder.Configuration);
        builder.Services.AddPipelineInfra(builder.Configuration);
        builder.Services.AddPipelineServices(builder.Configuration, modules.Length == 1 ? modules[0].Name : null);
        builder.Services.AddPipelineTelemetry(builder.Configuration, modules.Length == 1 ? modules[0].Name : "pipeline");
        foreach (var m in modules) m.AddServices(builder.Services, builder.Configuration);
        builder.Services.AddPipelineBus(builder.Configuration, bus =>
        {
            foreach (var m in modules) m.AddConsumers(bus);
        });
        var app = builder.Build();
        app.MapGet(HealthPath, () => Results.Ok(new { status = "ok", services = modules.Select(m => m.Name) }));
        foreach (var m in modules) m.MapEndpoints(app);
        return app;
    }
}
