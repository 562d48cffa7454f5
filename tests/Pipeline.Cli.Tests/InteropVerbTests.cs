using Pipeline.Contracts;
using Pipeline.TestSupport;

namespace Pipeline.Cli.Tests;

/// <summary>`pipeline import` and `export` as a user runs them, and the ONNX file used by `embed`, `evaluate` and `purify`.</summary>
public sealed class InteropVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-interop-").FullName;

    private string P(string relative) => Path.Combine(_dir, relative);

    [Fact]
    public void An_insightface_checkpoint_imports_exports_and_its_onnx_embeds_evaluates_and_purifies()
    {
        var checkpoint = Path.Combine(RepoPaths.Root, "tests", "Pipeline.Interop.Tests", "Golden", "insightface_r18_w8.pth");
        var env = new Dictionary<string, string> { ["PIPELINE_CACHE"] = P("cache") };
        Cli.Run(null, "synth", "--out", P("faces"), "--identities", "4", "--per-identity", "4", "--holdout-identities", "4", "--pairs-per-fold", "2", "--seed", "3", "--json");

        var imported = Cli.Run(null, "import", "--from", checkpoint, "--arch", "r18", "--out", P("r18"), "--json");
        Assert.Equal(32, imported.GetProperty("inputSize").GetInt32());
        var exported = Cli.Run(null, "export", "--model", P("r18"), "--out", P("r18.onnx"), "--json");
        Assert.Equal(17, exported.GetProperty("opset").GetInt32());

        Cli.Run(env, "embed", "--model", P("r18"), "--data", P("faces/train"), "--out", P("torch.npy"), "--json");
        Cli.Run(env, "embed", "--model", P("r18.onnx"), "--data", P("faces/train"), "--out", P("onnx.npy"), "--json");
        var (torchRows, onnxRows) = (Npy(P("torch.npy")), Npy(P("onnx.npy")));
        Assert.Equal(16 * 512, onnxRows.Length);
        Assert.True(torchRows.Zip(onnxRows, (a, b) => Math.Abs(a - b)).Max() <= 1e-4, "the ONNX file embeds as the imported model does");

        var eval = Cli.Run(env, "evaluate", "--model", P("r18.onnx"), "--data", P("faces/holdout"), "--json");
        Assert.InRange(eval.GetProperty("accuracy").GetDouble(), 0.0, 1.0);
        var purify = Cli.Run(env, "purify", "--model", P("r18"), "--data", P("faces/train"), "--out", P("report.json"), "--angle", "60", "--score", "class-mean", "--json");
        Assert.Equal(16, purify.GetProperty("kept").GetInt32() + purify.GetProperty("dropped").GetInt32());

        var (code, _, err) = Cli.Exec(null, "import", "--from", checkpoint, "--arch", "r50", "--out", P("r50"));
        Assert.Equal(1, code);
        Assert.Contains($"{checkpoint}: has [2, 2, 2, 2] blocks per stage, not r50's [3, 4, 14, 3]", err);
    }

    [Fact]
    public void A_drops_onnx_index_model_is_stored_with_its_plan_and_a_missing_or_broken_one_is_refused_naming_the_file()
    {
        var checkpoint = Path.Combine(RepoPaths.Root, "tests", "Pipeline.Interop.Tests", "Golden", "insightface_r18_w8.pth");
        var env = new Dictionary<string, string> { ["Pipeline__LocalRoot"] = P("store") };
        Cli.Run(null, "synth", "--out", P("faces"), "--identities", "2", "--per-identity", "2", "--holdout-identities", "0", "--seed", "3", "--json");
        Cli.Run(null, "import", "--from", checkpoint, "--arch", "r18", "--out", P("r18"), "--json");
        Cli.Run(null, "export", "--model", P("r18"), "--out", P("r18.onnx"), "--json");

        var drop = Cli.Run(env, "drop", "--data", P("faces/train"), "--name", "celebs", "--index-model", P("r18.onnx"), "--json");
        var plan = RunPlan.Parse(File.ReadAllText(P("store/" + drop.GetProperty("plan").GetString())), "the dropped plan");
        Assert.Matches("^_onnx/[0-9a-f]{32}[.]onnx$", plan.IndexModel);
        Assert.Equal(File.ReadAllBytes(P("r18.onnx")), File.ReadAllBytes(P("store/models/" + plan.IndexModel)));

        var (missingCode, _, missingErr) = Cli.Exec(env, "drop", "--data", P("faces/train"), "--name", "none", "--index-model", P("none.onnx"));
        Assert.Equal(1, missingCode);
        Assert.Contains($"--index-model {P("none.onnx")}: no such file", missingErr);
        File.WriteAllText(P("broken.onnx"), "not a model");
        var (brokenCode, _, brokenErr) = Cli.Exec(env, "drop", "--data", P("faces/train"), "--name", "broken", "--index-model", P("broken.onnx"));
        Assert.Equal(1, brokenCode);
        Assert.Contains($"{P("broken.onnx")}: not an ONNX recognition model the Indexer can embed with", brokenErr);
        Assert.False(Directory.Exists(P("store/drops/broken")), "a refused plan drops nothing");
    }

    /// <summary>The float32 rows of a .npy the embed verb wrote (header length at byte 8).</summary>
    private static float[] Npy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int offset = 10 + BitConverter.ToUInt16(bytes, 8);
        var rows = new float[(bytes.Length - offset) / 4];
        Buffer.BlockCopy(bytes, offset, rows, 0, rows.Length * 4);
        return rows;
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
