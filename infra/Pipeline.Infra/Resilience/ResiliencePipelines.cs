using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Infra.Configuration;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.Infra.Resilience;

/// <summary>
/// The named Polly pipelines every blob and index call runs through:
/// retry (jittered exponential backoff) around a circuit breaker around a per-attempt timeout.
/// </summary>
public sealed class ResiliencePipelines
{
    public const string Blob = "blob";
    public const string Index = "index";

    private readonly ResiliencePipelineRegistry<string> _registry = new();

    public ResiliencePipelines(ResilienceOptions options, ILogger<ResiliencePipelines>? logger = null)
    {
        var log = (ILogger?)logger ?? NullLogger.Instance;
        _registry.TryAddBuilder(Blob, (b, _) => Configure(b, Blob, options.Blob, log));
        _registry.TryAddBuilder(Index, (b, _) => Configure(b, Index, options.Index, log));
    }

    /// <summary>Pipeline for blob store calls.</summary>
    public ResiliencePipeline BlobPipeline => _registry.GetPipeline(Blob);

    /// <summary>Pipeline for vector index calls.</summary>
    public ResiliencePipeline IndexPipeline => _registry.GetPipeline(Index);

    /// <summary>All pipelines by name, for code that takes a <see cref="ResiliencePipelineProvider{TKey}"/>.</summary>
    public ResiliencePipelineProvider<string> Provider => _registry;

    public ResiliencePipeline Get(string name) => _registry.GetPipeline(name);

    /// <summary>Builds one pipeline from options; public so tests and tools can build one outside DI.</summary>
    public static ResiliencePipeline Build(string name, ResiliencePipelineOptions options, ILogger? logger = null)
    {
        var builder = new ResiliencePipelineBuilder();
        Configure(builder, name, options, logger ?? NullLogger.Instance);
        return builder.Build();
    }

    private static void Configure(ResiliencePipelineBuilder builder, string name, ResiliencePipelineOptions o, ILogger log)
    {
        var handle = new PredicateBuilder().Handle<Exception>(TransientFailures.IsTransient);
        if (o.MaxRetryAttempts > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = handle,
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(o.BaseDelayMs),
                MaxDelay = TimeSpan.FromMilliseconds(o.MaxDelayMs),
                OnRetry = args =>
                {
                    log.LogWarning(args.Outcome.Exception, "{Pipeline}: attempt {Attempt} failed, retrying in {Delay}",
                        name, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = handle,
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(o.BreakerBreakSeconds),
                OnOpened = args =>
                {
                    log.LogError(args.Outcome.Exception, "{Pipeline}: circuit opened for {Break}", name, args.BreakDuration);
                    return default;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(o.AttemptTimeoutSeconds) });
    }
}
