using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;

namespace Pipeline.Infra.Messaging;

/// <summary>
/// The one MassTransit set-up of every service: in-memory (embedded, default) or RabbitMQ (distributed),
/// chosen by Pipeline:Transport. Every consumer gets its own queue named after its type (kebab case), so
/// several processes hosting the same consumer compete on one queue. A message that still fails after
/// the retries lands in MassTransit's "&lt;queue&gt;_error" queue.
/// </summary>
public static class PipelineBus
{
    /// <summary>
    /// Registers the bus. <paramref name="registerConsumers"/> adds consumers (x.AddConsumer&lt;T&gt;()); call
    /// several services' registration methods inside it to host them in one process.
    /// </summary>
    public static IServiceCollection AddPipelineBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? registerConsumers = null)
    {
        var options = configuration.GetPipelineOptions();
        return services.AddPipelineBus(options, registerConsumers);
    }

    public static IServiceCollection AddPipelineBus(this IServiceCollection services, PipelineOptions options,
        Action<IBusRegistrationConfigurator>? registerConsumers = null)
    {
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.AddMassTransit(x =>
        {
            // MassTransit 8.4+ reports usage to its vendor by default: a pipeline for private datasets sends nothing out.
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            x.SetKebabCaseEndpointNameFormatter();
            registerConsumers?.Invoke(x);
            if (options.IsRabbitMq())
                x.UsingRabbitMq((context, cfg) =>
                {
                    var r = options.RabbitMq;
                    cfg.Host(r.Host, r.Port, r.VirtualHost, h =>
                    {
                        h.Username(r.Username);
                        h.Password(r.Password);
                    });
                    // Delayed redelivery needs the rabbitmq_delayed_message_exchange plugin; without it, retries only.
                    if (options.Bus.RabbitMqDelayedExchange)
                    {
                        cfg.UseDelayedMessageScheduler();
                        UseRedelivery(cfg, options.Bus);
                    }
                    ConfigureCommon(context, cfg, options.Bus);
                });
            else
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseDelayedMessageScheduler();
                    UseRedelivery(cfg, options.Bus);
                    ConfigureCommon(context, cfg, options.Bus);
                });
        });
        return services;
    }

    private static void UseRedelivery(IBusFactoryConfigurator cfg, BusOptions bus)
    {
        if (bus.RedeliveryIntervalsSeconds.Length > 0)
            cfg.UseDelayedRedelivery(r =>
            {
                r.Intervals(bus.RedeliveryIntervalsSeconds.Select(s => TimeSpan.FromSeconds(s)).ToArray());
                r.Handle<Exception>(e => !TransientFailures.IsPermanent(e));
            });
    }

    private static void ConfigureCommon<TEndpoint>(IBusRegistrationContext context, IBusFactoryConfigurator<TEndpoint> cfg, BusOptions bus)
        where TEndpoint : IReceiveEndpointConfigurator
    {
        if (bus.RetryIntervalsMs.Length > 0)
            cfg.UseMessageRetry(r =>
            {
                r.Intervals(bus.RetryIntervalsMs.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray());
                r.Handle<Exception>(e => !TransientFailures.IsPermanent(e));
            });
        // A diverging training's loss is NaN: its progress must still reach the ledger (JSON has no NaN; "NaN" is written).
        cfg.ConfigureJsonSerializerOptions(o =>
        {
            o.NumberHandling |= System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
            return o;
        });
        cfg.PrefetchCount = bus.PrefetchCount;
        if (bus.ConcurrentMessageLimit > 0) cfg.ConcurrentMessageLimit = bus.ConcurrentMessageLimit;
        cfg.ConfigureEndpoints(context);
    }
}
