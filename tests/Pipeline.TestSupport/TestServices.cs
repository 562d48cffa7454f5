using System.Net.Sockets;

namespace Pipeline.TestSupport;

/// <summary>
/// Where the integration tests find RabbitMQ and Azurite. When one is not reachable the tests fail (never skip)
/// with a message naming the script that starts it.
/// </summary>
public static class TestServices
{
    public const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    private const string HowToStart =
        "start it with `infra/scripts/start-services.sh` (install once with `infra/scripts/install-services.sh`; .ci/run does both)";

    public static string RabbitHost => Env("RABBITMQ_HOST", "127.0.0.1");
    public static ushort RabbitPort => ushort.Parse(Env("RABBITMQ_PORT", "5672"));
    public static string AzureConnectionString => Env("AZURE_STORAGE_CONNECTION_STRING", AzuriteConnectionString);

    private static readonly Lazy<string?> RabbitProblem = new(() => Probe("RabbitMQ", RabbitHost, RabbitPort));
    private static readonly Lazy<string?> AzuriteProblem = new(() =>
    {
        var endpoint = AzureConnectionString.Split(';')
            .Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0].Equals("BlobEndpoint", StringComparison.OrdinalIgnoreCase))
            .Select(kv => new Uri(kv[1])).FirstOrDefault();
        return endpoint is null ? null : Probe("Azurite (blob)", endpoint.Host, endpoint.Port); // real Azure: no probe
    });

    public static void RequireRabbitMq()
    {
        if (RabbitProblem.Value is { } problem) throw new InvalidOperationException(problem);
    }

    public static void RequireAzurite()
    {
        if (AzuriteProblem.Value is { } problem) throw new InvalidOperationException(problem);
    }

    private static string? Probe(string name, string host, int port)
    {
        try
        {
            using var client = new TcpClient();
            if (client.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(3)) && client.Connected) return null;
            return $"{name} is not reachable at {host}:{port} (timed out): {HowToStart}";
        }
        catch (Exception e)
        {
            return $"{name} is not reachable at {host}:{port} ({e.GetBaseException().Message}): {HowToStart}";
        }
    }

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
