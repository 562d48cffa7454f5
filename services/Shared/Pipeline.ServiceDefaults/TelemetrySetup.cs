using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// OpenTelemetry for a service process: the pipeline's spans and metrics (<see cref="PipelineTelemetry"/>), MassTransit's
/// spans, which carry the trace from message to message, and a span per HTTP request (the search API, the dashboard; not
/// the health probe's). Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the
/// exporter reads the other OTEL_* variables itself), to the console when Pipeline:Telemetry:Console is true, else nowhere.
/// </summary>
public static class TelemetrySetup
{
    public const string ConsoleSetting = "Pipeline:Telemetry:Console";

    /// <param name="service">The service name in the exported resource (OTEL_SERVICE_NAME, when set, wins).</param>
    public static IServiceCollection AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration, string service)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? service))
            .WithTracing(t => t.AddSource(PipelineTelemetry.Name, DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != PipelineHost.HealthPath))
            .WithMetrics(m => m.AddMeter(PipelineTelemetry.Name, InstrumentationOptions.MeterName).AddAspNetCoreInstrumentation());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) telemetry.UseOtlpExporter();
        if (configuration.GetValue<bool>(ConsoleSetting))
            telemetry.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter());
        return services;
    }
}
