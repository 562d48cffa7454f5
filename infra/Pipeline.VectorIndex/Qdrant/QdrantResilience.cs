using Grpc.Core;
using Polly;
using Polly.Retry;

namespace Pipeline.VectorIndex.Qdrant;

/// <summary>The pipeline used when the host supplies none: retry transient gRPC failures, bound each call.</summary>
public static class QdrantResilience
{
    public static ResiliencePipeline Default() =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransient),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .AddTimeout(TimeSpan.FromSeconds(60))
            .Build();

    public static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted
            or StatusCode.Aborted or StatusCode.Internal;
}
