using System.Net.Sockets;

namespace Pipeline.Ingest.Tests;

/// <summary>Where the Azure tests find Azurite. When it is not reachable they fail (never skip), naming the script that starts it.</summary>
public static class TestServices
{
    public const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    private const string HowToStart =
        "start it with `infra/scripts/start-services.sh` (install once with `infra/scripts/install-services.sh`; .ci/run does both)";

    public static string AzureConnectionString =>
        Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING") is { Length: > 0 } v ? v : AzuriteConnectionString;

    private static readonly Lazy<string?> AzuriteProblem = new(() =>
    {
        var endpoint = AzureConnectionString.Split(';')
            .Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0].Equals("BlobEndpoint", StringComparison.OrdinalIgnoreCase))
            .Select(kv => new Uri(kv[1])).FirstOrDefault();
        return endpoint is null ? null : Probe("Azurite (blob)", endpoint.Host, endpoint.Port); // real Azure: no probe
    });

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
}
