using Azure;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Pipeline.Infra.Tests;

public sealed class ResilienceTests
{
    private static ResiliencePipelineOptions Fast(int retries = 3, int minimumThroughput = 100) => new()
    {
        MaxRetryAttempts = retries,
        BaseDelayMs = 1,
        MaxDelayMs = 10,
        AttemptTimeoutSeconds = 5,
        BreakerFailureRatio = 0.5,
        BreakerMinimumThroughput = minimumThroughput,
        BreakerSamplingSeconds = 30,
        BreakerBreakSeconds = 60,
    };

    [Fact]
    public async Task A_transient_failure_is_retried_until_it_succeeds()
    {
        var pipeline = ResiliencePipelines.Build("test", Fast());
        var calls = 0;
        var result = await pipeline.ExecuteAsync(_ =>
        {
            if (++calls < 3) throw new IOException("connection reset");
            return ValueTask.FromResult(42);
        });
        Assert.Equal(42, result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried()
    {
        var pipeline = ResiliencePipelines.Build("test", Fast());
        var calls = 0;
        await Assert.ThrowsAsync<RequestFailedException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new RequestFailedException(403, "forbidden");
        }));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_slow_attempt_times_out_and_is_retried()
    {
        var options = Fast();
        options.AttemptTimeoutSeconds = 0.1;
        var pipeline = ResiliencePipelines.Build("test", options);
        var calls = 0;
        var result = await pipeline.ExecuteAsync(async ct =>
        {
            if (++calls == 1) await Task.Delay(TimeSpan.FromSeconds(10), ct);
            return "second try";
        });
        Assert.Equal("second try", result);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task The_breaker_opens_after_repeated_failures_and_then_fails_fast()
    {
        var pipeline = ResiliencePipelines.Build("test", Fast(retries: 0, minimumThroughput: 2));
        var calls = 0;
        Task<int> Failing() => pipeline.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new RequestFailedException(503, "server busy");
        }).AsTask();

        await Assert.ThrowsAsync<RequestFailedException>(Failing);
        await Assert.ThrowsAsync<RequestFailedException>(Failing);
        await Assert.ThrowsAsync<BrokenCircuitException>(Failing);
        Assert.Equal(2, calls); // the third call never reached the store
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(500, true)]
    [InlineData(429, true)]
    [InlineData(408, true)]
    [InlineData(0, true)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(412, false)]
    public void Storage_status_codes_are_classified(int status, bool transient) =>
        Assert.Equal(transient, TransientFailures.IsTransient(new RequestFailedException(status, "x")));

    [Fact]
    public void Other_exceptions_are_classified()
    {
        Assert.True(TransientFailures.IsTransient(new IOException()));
        Assert.True(TransientFailures.IsTransient(new HttpRequestException()));
        Assert.True(TransientFailures.IsTransient(new TimeoutRejectedException()));
        Assert.True(TransientFailures.IsTransient(new AggregateException(new IOException())));
        Assert.False(TransientFailures.IsTransient(new FileNotFoundException()));
        Assert.False(TransientFailures.IsTransient(new ArgumentException()));
        Assert.False(TransientFailures.IsTransient(new BrokenCircuitException()));
    }

    [Fact]
    public void Named_pipelines_exist()
    {
        var pipelines = new ResiliencePipelines(new ResilienceOptions());
        Assert.NotNull(pipelines.Get(ResiliencePipelines.Blob));
        Assert.NotNull(pipelines.Provider.GetPipeline(ResiliencePipelines.Index));
    }
}
