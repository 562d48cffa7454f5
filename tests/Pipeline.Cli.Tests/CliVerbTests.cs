using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.TestSupport;

namespace Pipeline.Cli.Tests;

/// <summary>The `pipeline` verbs as a user runs them: real process, real files, the --json contract on stdout.</summary>
public sealed class CliVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-cli-").FullName;

    [Fact]
    public void Synth_train_purify_evaluate_and_embed_work_end_to_end_with_json_summaries()
    {
        var synth = Run("synth", "--out", P("faces"), "--identities", "12", "--per-identity", "10", "--closed-noise", "0.2",
            "--holdout-identities", "12", "--pairs-per-fold", "6", "--seed", "5", "--json");
        Assert.Equal(120, synth.GetProperty("trainImages").GetInt32());

        var env = new Dictionary<string, string> { ["PIPELINE_CACHE"] = P("cache") };
        var train = Run(env, "train", "--data", P("faces/train"), "--out", P("k3"), "--subcenters", "3", "--epochs", "2", "--batch", "16", "--json");
        Assert.Equal(2, train.GetProperty("history").GetArrayLength());
        Assert.True(File.Exists(P("k3/model.json")));
        Assert.False(Directory.Exists(P("k3/checkpoint")), "checkpoints are removed once the model is written");

        var purify = Run(env, "purify", "--model", P("k3"), "--data", P("faces/train"), "--out", P("report.json"), "--angle", "75", "--json");
        Assert.Equal("subcenter", purify.GetProperty("score").GetString());
        Assert.False(purify.GetProperty("whitened").GetBoolean(), "the paper's rule measures no class-center angles to whiten");
        using (var report = JsonDocument.Parse(File.ReadAllText(P("report.json"))))
        {
            var samples = report.RootElement.GetProperty("samples");
            Assert.Equal(120, samples.GetArrayLength());
            var first = samples[0];
            foreach (var key in new[] { "path", "identity", "decision", "reason", "score", "subcenter" })
                Assert.True(first.TryGetProperty(key, out _), $"report sample lacks '{key}'");
            Assert.Contains(first.GetProperty("decision").GetString(), new[] { "keep", "drop" });
            Assert.Equal(75, report.RootElement.GetProperty("threshold").GetDouble());
        }

        var moved = Run(env, "purify", "--model", P("k3"), "--data", P("faces/train"), "--out", P("report-q.json"), "--noise-posterior", "0.9", "--json");
        Assert.Equal(0.9, moved.GetProperty("noisePosterior").GetDouble());
        Assert.Equal("class-margin", moved.GetProperty("score").GetString());

        var (evalCode, evalOut, evalErr) = Exec(env, "evaluate", "--model", P("k3"), "--data", P("faces/holdout"), "--pairs", P("faces/holdout/pairs.txt"), "--json");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains("0 quarantined", evalErr); // the pair list beside the images is read, not an image gone wrong
        var eval = JsonDocument.Parse(evalOut).RootElement;
        Assert.InRange(eval.GetProperty("accuracy").GetDouble(), 0.0, 1.0);
        Assert.True(eval.TryGetProperty("std", out _));
        Assert.True(eval.GetProperty("tarAtFar").TryGetProperty("1e-2", out _));

        Run(env, "embed", "--model", P("k3"), "--data", P("faces/train"), "--out", P("emb.npy"), "--json");
        Assert.Equal(120 * 512 * 4 + 128, new FileInfo(P("emb.npy")).Length);
    }

    [Fact]
    public void Run_takes_your_own_folder_through_the_whole_loop_in_one_process()
    {
        Run("synth", "--out", P("own"), "--identities", "10", "--per-identity", "8", "--closed-noise", "0.25",
            "--holdout-identities", "10", "--pairs-per-fold", "6", "--seed", "7", "--json");
        File.WriteAllText(P("plan.json"), "{\"epochs\": 2, \"finalEpochs\": 2, \"batchSize\": 16}");
        var env = new Dictionary<string, string> { ["PIPELINE_CACHE"] = P("cache") };
        var (runCode, runOut, runErr) = Exec(env, "run", "--data", P("own/train"), "--name", "mine", "--plan", P("plan.json"), "--root", P("root"),
            "--holdout", P("own/holdout"), "--pairs", P("own/holdout/pairs.txt"), "--json");
        Assert.True(runCode == 0, runErr);
        var run = JsonDocument.Parse(runOut).RootElement;
        // Quiet by default: the verb's own lines and the services' warnings, no framework or service information logs;
        // the holdout's pair list is read, not reported quarantined.
        Assert.DoesNotContain("info:", runErr);
        Assert.DoesNotContain("pairs.txt", runErr);

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(80, run.GetProperty("samples").GetInt32());
        int kept = run.GetProperty("kept").GetInt32();
        Assert.Equal(80, kept + run.GetProperty("dropped").GetInt32());
        Assert.Equal(kept, run.GetProperty("indexedPoints").GetInt64());
        Assert.Equal("class-margin", run.GetProperty("score").GetString());
        Assert.True(run.GetProperty("whitened").GetBoolean(), "class margins are measured within-class whitened by default");
        Assert.True(File.Exists(run.GetProperty("report").GetString()), "the report is where the summary says");
        // The summary says how the threshold was reached, as the report does.
        using (var report = JsonDocument.Parse(File.ReadAllText(run.GetProperty("report").GetString()!)))
            Assert.Equal(report.RootElement.GetProperty("thresholdFit").GetProperty("method").GetString(), run.GetProperty("thresholdMethod").GetString());
        Assert.InRange(run.GetProperty("holdoutAccuracy").GetDouble(), 0.0, 1.0);
        Assert.False(run.TryGetProperty("baselineAccuracy", out _), "the plan asked for no baseline");
        var steps = run.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["ingest", "subcenter", "purify", "final", "index", "evaluation"], steps.Select(s => s.GetProperty("stage").GetString()));
        // The timeline: every step on the command's clock, each after the one that fed it, all within the run's time.
        var times = steps.Select(s => (Start: s.GetProperty("start").GetDouble(), End: s.GetProperty("end").GetDouble(), Work: s.GetProperty("seconds").GetDouble())).ToList();
        Assert.All(times, t => Assert.InRange(t.End - t.Start - t.Work, -0.02, 0.02));
        for (int i = 1; i < times.Count; i++) Assert.True(times[i].Start >= times[i - 1].End - 0.01, $"step {i} starts before step {i - 1} ends");
        Assert.InRange(times[^1].End, times[0].Start, run.GetProperty("totalSeconds").GetDouble() + 0.01); // ends are rounded to 0.01 s

        // Everything the run keeps is under its root, its holdout's packed copy too; no claim of a finished step is left.
        Assert.Single(Directory.GetDirectories(P("root/cache")), d => Path.GetFileName(d).StartsWith("holdout-"));
        Assert.False(Directory.Exists(P("cache")), "the run's image cache is under its root, not the standalone verbs' cache");
        Assert.Equal(["_CLAIMED", "_READY", "_STARTED"],
            Directory.EnumerateFiles(P("root/blobs"), "_*", SearchOption.AllDirectories).Select(Path.GetFileName).Order());
        // The ledger of `run --root R` is the one `runs --root R` (or Pipeline__Root=R) reads.
        var runId = run.GetProperty("runId").GetString();
        Assert.Equal(runId, Run("runs", "--root", P("root"), "--json").GetProperty("runs")[0].GetProperty("runId").GetString());
        Assert.Equal(runId, Run(new Dictionary<string, string> { ["Pipeline__Root"] = P("root") }, "runs", "--json").GetProperty("runs")[0].GetProperty("runId").GetString());

        // The standalone verbs prepare images as the run does: its own sub-center model gives the run's decisions.
        Run(env, "purify", "--model", P($"root/blobs/models/{runId}/subcenter/final"), "--data", P("own/train"), "--out", P("cli-report.json"), "--json");
        Assert.Equal(Decisions(run.GetProperty("report").GetString()!), Decisions(P("cli-report.json")));

        // The plan the run wrote beside its models is a plan file: --plan takes it back as the same plan.
        var written = P($"root/blobs/models/{runId}/plan.json");
        var planned = RunPlan.Default with { Epochs = 2, FinalEpochs = 2, BatchSize = 16 };
        Assert.Equal(planned, RunPlan.Parse(File.ReadAllText(written), written));
        var again = Run(new Dictionary<string, string>(env) { ["Pipeline__LocalRoot"] = P("again") }, "drop", "--data", P("own/train"), "--name", "again", "--plan", written, "--json");
        Assert.Equal("drops/again/plan.json", again.GetProperty("plan").GetString());
        Assert.Equal(planned, RunPlan.Parse(File.ReadAllText(P("again/drops/again/plan.json")), "the dropped plan"));
        var (epochsCode, _, epochsErr) = Exec(env, "drop", "--data", P("own/train"), "--name", "zero", "--plan", written, "--epochs", "0", "--batch-size", "1");
        Assert.Equal(1, epochsCode); // an option over the file is checked with it, every bad field named
        Assert.Contains($"plan ({written} and the options): epochs 0: expected at least 1; batchSize 1: expected at least 2", epochsErr);

        var (code, _, err) = Exec(env, "run", "--data", P("own/train"), "--name", "mine", "--root", P("root"));
        Assert.Equal(1, code); // the same drop name again is refused, with the reason
        Assert.Contains("already dropped", err);

        Directory.CreateDirectory(P("bad/alice"));
        File.WriteAllText(P("bad/alice/a.jpg"), "not an image");
        var (badCode, badOut, badErr) = Exec(env, "run", "--data", P("bad"), "--root", P("root"));
        Assert.Equal(1, badCode); // a failed run says which stage, which file and why
        Assert.Contains("ingest: ", badOut + badErr);
        Assert.Contains("alice/a.jpg: not-an-image", badOut + badErr);
    }

    [Fact]
    public void A_missing_dataset_is_one_clear_error_naming_it()
    {
        var (code, _, err) = Exec(null, "train", "--data", P("nope"), "--out", P("m"));
        Assert.Equal(1, code);
        Assert.Contains(P("nope"), err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void A_noise_posterior_outside_0_to_1_or_with_a_fixed_angle_is_refused_before_any_work()
    {
        var (code, _, err) = Exec(null, "purify", "--model", P("nope"), "--data", P("nope"), "--out", P("r.json"), "--noise-posterior", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("--noise-posterior 1.5: expected between 0 and 1", err);
        (code, _, err) = Exec(null, "retrain", "--dataset", "d", "--angle", "80", "--noise-posterior", "0.9");
        Assert.Equal(1, code);
        Assert.Contains("dropNoisePosterior moves the automatic threshold: it does not go with dropRule 'angle'", err);
    }

    [Fact]
    public void Every_verb_has_help()
    {
        foreach (var verb in new[] { "demo", "run", "train", "evaluate", "purify", "embed", "synth", "drop", "runs", "dashboard", "resume", "retrain", "search", "invert", "index", "export", "import" })
        {
            var (code, output, _) = Exec(null, verb, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }
    }

    private string P(string relative) => Path.Combine(_dir, relative);

    private static Dictionary<string, string> Decisions(string report)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        return doc.RootElement.GetProperty("samples").EnumerateArray().ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("decision").GetString()!);
    }

    private JsonElement Run(params string[] args) => Run(null, args);

    private JsonElement Run(Dictionary<string, string>? env, params string[] args) => Cli.Run(env, args);

    private static (int Code, string Out, string Err) Exec(Dictionary<string, string>? env, params string[] args) => Cli.Exec(env, args);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
