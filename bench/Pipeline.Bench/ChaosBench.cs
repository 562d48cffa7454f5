using System.Diagnostics;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Bench;

/// <summary>
/// `chaos`: the embedded loop (`pipeline run`) on a small synthetic set, killed with SIGKILL at points spread over
/// every stage, then `pipeline resume` on its root; a table of points, outcomes and decisions that differ from the
/// same run never interrupted. Needs the CLI built (./pipeline --help builds it).
/// </summary>
public sealed class ChaosBench : IBenchmark
{
    public string Name => "chaos";
    public string Description => "kill `pipeline run` at points over every stage, `pipeline resume`, compare with an uninterrupted run";

    private static readonly (string Stage, string Status, double DelaySeconds)[] Points =
    [
        (Stages.Ingest, StageStatus.Started, 0), (Stages.Ingest, StageStatus.Started, 0.5),
        (Stages.SubCenter, StageStatus.Queued, 0), (Stages.SubCenter, StageStatus.Progress, 0), (Stages.SubCenter, StageStatus.Progress, 4),
        (Stages.SubCenter, StageStatus.Progress, 8), (Stages.SubCenter, StageStatus.Completed, 0), (Stages.SubCenter, StageStatus.Completed, 1),
        (Stages.Final, StageStatus.Queued, 0), (Stages.Final, StageStatus.Progress, 2), (Stages.Final, StageStatus.Completed, 0),
        (Stages.Final, StageStatus.Completed, 0.5),
    ];

    public async Task<int> RunAsync(string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("pipeline-chaos-").FullName;
        try
        {
            Cli("synth", "--out", Path.Combine(dir, "faces"), "--identities", "10", "--per-identity", "10", "--closed-noise", "0.25",
                "--holdout-identities", "0", "--seed", "11", "--json");
            var plan = Path.Combine(dir, "plan.json");
            File.WriteAllText(plan, "{\"epochs\": 4, \"finalEpochs\": 3, \"batchSize\": 16, \"seed\": 3}");
            var data = Path.Combine(dir, "faces", "train");
            var clock = Stopwatch.StartNew();
            Cli("run", "--data", data, "--name", "faces", "--plan", plan, "--root", Path.Combine(dir, "reference"), "--json");
            Console.Error.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:F0} s");
            var reference = Decisions(Path.Combine(dir, "reference"));

            Console.WriteLine("| kill point | killed | after resume | resume s | decisions differing | reason |");
            Console.WriteLine("|---|---|---|---|---|---|");
            int completed = 0, failed = 0, running = 0, differing = 0;
            for (int i = 0; i < Points.Length; i++)
            {
                var (stage, status, delay) = Points[i];
                var root = Path.Combine(dir, $"kill-{i}");
                bool killed = await RunUntil(root, data, plan, stage, status, delay);
                clock.Restart();
                var (code, output, err) = Exec("resume", "--root", root, "--json");
                double seconds = clock.Elapsed.TotalSeconds;
                var ledger = new RunLedger(Path.Combine(root, "ledger.db"));
                var run = (await ledger.ListRunsAsync(1)).Single();
                int diff = run.Status == RunStatus.Completed ? Decisions(root).Count(kv => reference.GetValueOrDefault(kv.Key) != kv.Value) : -1;
                string reason = run.Status == RunStatus.Failed ? err.Split('\n').LastOrDefault(l => l.Contains("failed") || l.Contains("error")) ?? "" : "";
                if (run.Status == RunStatus.Completed) completed++;
                else if (run.Status == RunStatus.Failed) failed++;
                else running++;
                if (diff > 0) differing++;
                Console.WriteLine($"| {stage} {status} +{delay:0.#} s | {(killed ? "yes" : "no (ended first)")} | {run.Status} | {seconds:F0} | {(diff < 0 ? "-" : diff)} | {reason.Trim()} |");
            }
            Console.WriteLine();
            Console.WriteLine($"points {Points.Length}: completed {completed}, failed with a reason {failed}, left running {running}, runs with differing decisions {differing}");
            return running == 0 && differing == 0 ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static async Task<bool> RunUntil(string root, string data, string plan, string stage, string status, double delaySeconds)
    {
        var psi = Start("run", "--data", data, "--name", "faces", "--plan", plan, "--root", root, "--json");
        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        try
        {
            while (!p.HasExited)
            {
                await Task.Delay(50);
                if (!File.Exists(Path.Combine(root, "ledger.db"))) continue;
                var ledger = new RunLedger(Path.Combine(root, "ledger.db"));
                var summary = (await ledger.ListRunsAsync(1)).FirstOrDefault();
                var run = summary is null ? null : await ledger.GetRunAsync(summary.RunId);
                if (run?.Stages.Any(s => s.Stage == stage && s.Status == status) != true) continue;
                await Task.Delay(TimeSpan.FromSeconds(delaySeconds));
                if (p.HasExited) return false;
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
                return true;
            }
            return false;
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    private static Dictionary<string, string> Decisions(string root)
    {
        var report = Directory.GetFiles(Path.Combine(root, "blobs", "datasets"), "report.json", SearchOption.AllDirectories).Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        return doc.RootElement.GetProperty("samples").EnumerateArray()
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("decision").GetString()!);
    }

    private static string Dll
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Pipeline.sln")))
                    return Path.Combine(d.FullName, "tools", "Pipeline.Cli", "bin", "Release", "net10.0", "pipeline.dll");
            throw new FileNotFoundException("Pipeline.sln not found above the bench: run it from the repository");
        }
    }

    private static ProcessStartInfo Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static (int Code, string Out, string Err) Exec(params string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static void Cli(params string[] args)
    {
        var (code, _, err) = Exec(args);
        if (code != 0) throw new InvalidOperationException($"pipeline {string.Join(' ', args)} exited {code}: {err}");
    }
}
