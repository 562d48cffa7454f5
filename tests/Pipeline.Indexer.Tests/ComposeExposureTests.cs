using System.Text.RegularExpressions;

namespace Pipeline.Indexer.Tests;

/// <summary>infra/deploy/compose.yaml publishes only the dashboard and the search API, and takes every credential from the environment without a default.</summary>
public sealed class ComposeExposureTests
{
    private static readonly string Compose = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "deploy", "compose.yaml"));

    [Fact]
    public void Only_the_dashboard_and_the_search_API_publish_ports()
    {
        var published = new List<string>();
        string? service = null;
        foreach (var line in Compose.Split('\n'))
        {
            if (Regex.Match(line, @"^  ([a-z][a-z0-9-]*):\s*$") is { Success: true } m) service = m.Groups[1].Value;
            if (Regex.IsMatch(line, @"^\s+ports:") || Regex.IsMatch(line, @"^\s+-\s*""?\d+:\d+")) published.Add($"{service}: {line.Trim()}");
        }

        Assert.Equal(["indexer: ports: [\"8081:8080\"]", "dashboard: ports: [\"8080:8080\"]"], published);
    }

    [Fact]
    public void No_credential_has_a_default()
    {
        var defaults = Regex.Matches(Compose, @"\$\{[A-Z_]+:?-[^}]*\}").Select(m => m.Value).ToList();
        var known = Regex.Matches(Compose, "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq").Count;

        Assert.True(defaults.Count == 0, "variables with a default: " + string.Join(", ", defaults));
        Assert.Equal(0, known); // Azurite's well-known development key
        foreach (var variable in new[] { "RABBITMQ_USER", "RABBITMQ_PASS", "AZURE_STORAGE_CONNECTION_STRING", "AZURITE_ACCOUNTS", "QDRANT_API_KEY", "PIPELINE_API_KEY" })
            Assert.Contains($"${{{variable}:?set {variable}}}", Compose);
    }

    [Fact]
    public void Every_service_sends_its_telemetry_to_the_collector_of_the_compose_file()
    {
        Assert.Contains("  OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317\n", Compose.Split("x-service:")[0]); // in the services' shared environment
        Assert.Matches(@"\n  otel-collector:\n", Compose);
        var collector = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "deploy", "otel-collector.yaml"));
        Assert.Contains("endpoint: 0.0.0.0:4317", collector);
        Assert.Matches(@"traces: \{ receivers: \[otlp\]", collector);
        Assert.Matches(@"metrics: \{ receivers: \[otlp\]", collector);
    }
}
