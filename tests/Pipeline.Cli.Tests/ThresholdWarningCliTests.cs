using System.Text.Json;
using Pipeline.Contracts;

namespace Pipeline.Cli.Tests;

/// <summary>
/// A run whose automatic threshold cannot stand on its evidence completes, and says so in its --json summary, in the
/// report and in `pipeline runs` (issue 22).
/// </summary>
public sealed class ThresholdWarningCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-threshold-").FullName;

    [Fact]
    public void A_run_whose_margins_form_one_mode_over_much_noise_completes_with_the_warning_everywhere()
    {
        // 10 identities x 10 images, a quarter filed under another identity: a short run fits the noisy labels so closely
        // that the unwhitened margins form one mode, while the labels' own evidence (ConfidentJoint) says a good share is noise.
        Cli.Run(null, "synth", "--out", P("s"), "--identities", "10", "--per-identity", "10", "--closed-noise", "0.25", "--open-noise", "0",
            "--holdout-identities", "0", "--seed", "7", "--json");
        File.WriteAllText(P("plan.json"), "{\"epochs\": 4, \"finalEpochs\": 2, \"batchSize\": 16, \"withinClassWhitening\": false}");
        var env = new Dictionary<string, string> { ["PIPELINE_CACHE"] = P("cache") };
        var run = Cli.Run(env, "run", "--data", P("s/train"), "--plan", P("plan.json"), "--root", P("root"), "--json");

        Assert.Equal("completed", run.GetProperty("status").GetString());
        var warning = run.GetProperty("warning").GetString();
        Assert.StartsWith("the score does not separate noise on this data: ", warning);
        Assert.Contains("one mode", warning);
        Assert.StartsWith("single mode; cut at", run.GetProperty("thresholdMethod").GetString());
        Assert.True(run.GetProperty("dropped").GetInt32() >= 5, "the cut drops the estimated noise share, not the far tail");
        using (var report = JsonDocument.Parse(File.ReadAllText(run.GetProperty("report").GetString()!)))
            Assert.Equal(warning, report.RootElement.GetProperty("warning").GetString());

        // `pipeline runs` shows it whole in text and in the purify stage's detail in --json.
        var ledger = new Dictionary<string, string> { ["Pipeline__LedgerPath"] = Path.Combine(P("root"), "ledger.db") };
        string runId = run.GetProperty("runId").GetString()!;
        var (code, _, text) = Cli.Exec(ledger, "runs", "--run", runId); // the human summary goes to stderr
        Assert.True(code == 0, text);
        Assert.Contains("WARNING: " + warning, text);
        var details = Cli.Run(ledger, "runs", "--run", runId, "--json");
        var purify = details.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == Stages.Purify);
        Assert.Equal(warning, purify.GetProperty("detail").GetProperty("warning").GetString());
    }

    [Fact]
    public void A_DatasetPurified_from_before_the_warning_and_before_camelCase_still_reads()
    {
        var old = """{"RunId":"r","Plan":{},"Purified":{"DatasetId":"d","ManifestPath":"d/m.json"},"ReportPath":"r.json","Kept":9,"Dropped":1,"ThresholdDegrees":80,"PurifiedAt":"2026-12-01T00:00:00Z"}""";
        var e = JsonSerializer.Deserialize<DatasetPurified>(old, PipelineJson.Options)!;
        Assert.Null(e.Warning);
        Assert.Equal((9, 80.0, "d/m.json"), (e.Kept, e.ThresholdDegrees, e.Purified.ManifestPath));
    }

    private string P(string relative) => Path.Combine(_dir, relative);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
