using System.Net.Sockets;
using Azure;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Pipeline.Infra.Resilience;

/// <summary>Which exceptions are worth another try: network, throttling and server-side failures.</summary>
public static class TransientFailures
{
    /// <summary>
    /// Failures no retry of the same message can mend (bad input, a bug): the bus fails them at once, so the run
    /// ends with the reason in seconds rather than after every retry. A breaker's trip is not one of them.
    /// </summary>
    public static bool IsPermanent(Exception ex) =>
        ex is ArgumentException or InvalidDataException or NotSupportedException or FormatException or System.Text.Json.JsonException
            or NotImplementedException or NullReferenceException;

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
