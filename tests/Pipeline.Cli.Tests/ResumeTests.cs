using System.Diagnostics;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;
using Pipeline.TestSupport;

namespace Pipeline.Cli.Tests;

/// <summary>
/// `pipeline run` killed with SIGKILL at a point of its run, then `pipeline resume` on the same root: the run ends
/// completed, with the same drop decisions as a run that was never interrupted, and nothing is left running.
/// </summary>
public sealed class ResumeTests(ResumeTests.Reference reference) : IClassFixture<ResumeTests.Reference>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-resume-").FullName;

    /// <summary>The data, the plan and the decisions of the same run never interrupted, made once for every kill point.</summary>
    public sealed class Reference : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("pipeline-resume-ref-").FullName;
        public string Data => Path.Combine(Dir, "faces", "train");
        public string Plan => Path.Combine(Dir, "plan.json");
        public Dictionary<string, string> Decisions { get; }

        public Reference()
        {
            Cli.Run(null, "synth", "--out", Path.Combine(Dir, "faces"), "--identities", "8", "--per-identity", "8", "--closed-noise", "0.25",
                "--holdout-identities", "0", "--seed", "11", "--json");
            File.WriteAllText(Plan, "{\"epochs\": 3, \"finalEpochs\": 2, \"batchSize\": 16, \"seed\": 3}");
            var run = Cli.Run(null, "run", "--data", Data, "--name", "faces", "--plan", Plan, "--root", Path.Combine(Dir, "root"), "--json");
            Assert.Equal("completed", run.GetProperty("status").GetString());
            Decisions = ResumeTests.Decisions(Path.Combine(Dir, "root"));
        }

        public void Dispose()
        {
            try { Directory.Delete(Dir, true); } catch (IOException) { }
        }
    }

    public static TheoryData<string, string> KillPoints => new()
    {
        { Stages.Ingest, StageStatus.Started },
        { Stages.SubCenter, StageStatus.Progress },
        { Stages.SubCenter, StageStatus.Completed },
        { Stages.Final, StageStatus.Completed },
    };

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task A_run_killed_mid_stage_is_resumed_to_the_decisions_of_an_uninterrupted_run(string stage, string status)
    {
        var root = P("killed");
        var killed = await RunUntil(root, reference.Data, reference.Plan, stage, status);
        Assert.True(killed, $"the run never reached {stage} {status} before it ended");
        using (var ledger = new LedgerReader(root))
            Assert.Equal(RunStatus.Running, (await ledger.Run()).Run.Status);

        var resumed = Cli.Run(null, "resume", "--root", root, "--json");
        var run = Assert.Single(resumed.GetProperty("runs").EnumerateArray());
        Assert.Equal("completed", run.GetProperty("status").GetString());
        using (var ledger = new LedgerReader(root))
            Assert.Equal(RunStatus.Completed, (await ledger.Run()).Run.Status);
        Assert.Equal(reference.Decisions, Decisions(root));
        Assert.Empty(Directory.Exists(Path.Combine(root, "work", "ingest")) ? Directory.GetDirectories(Path.Combine(root, "work", "ingest")) : []);

        // Nothing left to resume: a second resume says so and succeeds.
        var again = Cli.Run(null, "resume", "--root", root, "--json");
        Assert.Empty(again.GetProperty("runs").EnumerateArray());
    }

    /// <summary>Starts `pipeline run` and kills it (SIGKILL, the whole tree) once the ledger shows the stage at the status.</summary>
    private async Task<bool> RunUntil(string root, string data, string plan, string stage, string status)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli.Dll, "run", "--data", data, "--name", "faces", "--plan", plan, "--root", root, "--json" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        try
        {
            for (var until = DateTime.UtcNow.AddMinutes(4); DateTime.UtcNow < until && !p.HasExited; await Task.Delay(50))
            {
                if (!File.Exists(Path.Combine(root, "ledger.db"))) continue;
                RunDetails? run;
                try
                {
                    using var ledger = new LedgerReader(root);
                    run = await ledger.TryRun();
                }
                catch (Microsoft.Data.Sqlite.SqliteException) { continue; } // the run is creating its ledger right now

                // A stage that went past "started" between two polls (a tiny ingest) still counts: the kill lands just after it.
                if (run?.Stages.Any(s => s.Stage == stage && (s.Status == status || status == StageStatus.Started)) == true)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                    return true;
                }
            }
            return false;
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    internal static Dictionary<string, string> Decisions(string root)
    {
        var report = Directory.GetFiles(Path.Combine(root, "blobs", "datasets"), "report.json", SearchOption.AllDirectories).Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        return doc.RootElement.GetProperty("samples").EnumerateArray()
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("decision").GetString()!);
    }

    private string P(string relative) => Path.Combine(_dir, relative);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>The root's ledger, read while another process writes it (SQLite WAL).</summary>
    private sealed class LedgerReader(string root) : IDisposable
    {
        private readonly RunLedger _ledger = new(Path.Combine(root, "ledger.db"));

        public async Task<RunDetails?> TryRun() =>
            (await _ledger.ListRunsAsync(1)).FirstOrDefault() is { } s ? await _ledger.GetRunAsync(s.RunId) : null;

        public async Task<RunDetails> Run() => await TryRun() ?? throw new InvalidOperationException($"{root}: no run");

        public void Dispose() => Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
