using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Cli.Tests;

/// <summary>`pipeline dashboard` over an existing root, run as a user runs it.</summary>
public sealed class DashboardCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cli-dashboard-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_folder_that_is_not_a_pipeline_root_is_refused_by_name()
    {
        Directory.CreateDirectory(_root);

        var (code, _, err) = Cli.Exec(null, "dashboard", "--root", _root);

        Assert.Equal(1, code);
        Assert.Contains($"error: {_root}: not a pipeline root (no ledger.db)", err);
        Assert.False(File.Exists(Path.Combine(_root, "ledger.db")), "a refused root gets no ledger");
    }

    [Fact]
    public async Task The_dashboard_serves_the_roots_runs_and_prints_its_url()
    {
        Directory.CreateDirectory(_root);
        var runId = "cli-dashboard-run";
        await new RunLedger(Path.Combine(_root, "ledger.db")).RecordAsync(new DatasetDropped(runId, RunPlan.Default, "celebs", DateTimeOffset.UtcNow));
        int port = FreePort();

        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Cli.Dll, "dashboard", "--root", _root, "--urls", $"http://127.0.0.1:{port}" }) start.ArgumentList.Add(a);
        start.Environment["Pipeline__ApiKey"] = "cli-key"; // with a key, a retrain would otherwise be accepted and reach no trainer
        using var process = Process.Start(start)!;
        try
        {
            var printed = await UrlLineAsync(process, TimeSpan.FromSeconds(90));
            Assert.Equal($"dashboard: http://127.0.0.1:{port}/", printed);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            Assert.Contains("<title>Pipeline dashboard</title>", await http.GetStringAsync("/"));
            Assert.Contains($"\"runId\":\"{runId}\"", await http.GetStringAsync("/api/runs"));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/runs/{runId}/purification")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/aliases")).StatusCode); // the search API beside it
            Assert.Contains("\"aliases\":[]", await http.GetStringAsync("/api/index"));

            // No trainer in this process: the page is told before a click, and a retrain is refused with the reason.
            Assert.Contains("\"available\":false", await http.GetStringAsync("/api/retrain"));
            using var retrain = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{runId}/retrain") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            retrain.Headers.Add("X-Api-Key", "cli-key");
            using var refused = await http.SendAsync(retrain);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("runs no trainer", await refused.Content.ReadAsStringAsync());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The verb's "dashboard: URL" line on stderr.</summary>
    private static async Task<string> UrlLineAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        while (await process.StandardError.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("dashboard: ", StringComparison.Ordinal)) return line;
            seen.Add(line);
        }
        throw new InvalidOperationException($"pipeline dashboard exited {process.ExitCode} without printing its URL:\n{string.Join('\n', seen)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
