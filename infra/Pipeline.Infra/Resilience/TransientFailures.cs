using System.Net.Sockets;
using Azure;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Pipeline.Infra.Resilience;

/// <summary>Which exceptions are worth another try: network, throttling and server-side failures.</summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception ex) => ex switch
    {
        BrokenCircuitException => false, // the breaker said wait; retrying at once defeats it
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        FileNotFoundException or DirectoryNotFoundException or PathTooLongException => false,
        IOException or HttpRequestException or SocketException or TimeoutRejectedException => true,
        _ when IsTransientRpc(ex) => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    // Grpc.Core.RpcException (Qdrant) matched by name so infra needs no gRPC package:
    // Unavailable (14), DeadlineExceeded (4), ResourceExhausted (8), Aborted (10).
    private static bool IsTransientRpc(Exception ex)
    {
        if (ex.GetType().FullName != "Grpc.Core.RpcException") return false;
        var code = ex.GetType().GetProperty("StatusCode")?.GetValue(ex);
        return code is not null && Convert.ToInt32(code) is 14 or 4 or 8 or 10;
    }
}
