using System.CommandLine;
using Pipeline.Contracts;
using Pipeline.Indexer;
using Pipeline.Infra.Blobs;

namespace Pipeline.Cli.Commands;

/// <summary>
/// The run plan on the command line, the same for `run`, `drop` and `retrain`: --plan FILE (a plan file, as a drop's
/// plan.json or the models/&lt;run&gt;/plan.json a run wrote) and one option per plan field over it, a
/// <see cref="RunPlanOverrides"/> as the dashboard's retrain body and a drop's plan.json are.
/// </summary>
internal sealed class RunPlanOptions
{
    private readonly Option<string?> _file = new("--plan") { Description = "A run plan JSON file (RunPlan fields, e.g. {\"epochs\": 20, \"baseline\": true}); the options below change it" };
    private readonly Option<string?> _backbone = new("--backbone") { Description = $"Backbone: {string.Join(", ", RunPlan.Backbones)}" };
    private readonly Option<int?> _inputSize = new("--input-size") { Description = $"Input side in pixels: {string.Join(" or ", RunPlan.InputSizes)}" };
    private readonly Option<int?> _epochs = new("--epochs") { Description = "Epochs of the sub-center stage (and the baseline)" };
    private readonly Option<double?> _decayEpochs = new("--decay-epochs") { Description = "Epochs over which the sub-center stage's learning rate would decay to zero (default: twice its epochs)" };
    private readonly Option<int?> _selfPurifyFrom = new("--self-purify-from") { Description = "Epoch from which the sub-center stage trains only on the samples it would keep (default: half the epochs; 0 = the paper's loop as published)" };
    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Images per training step" };
    private readonly Option<double?> _lr = new("--lr") { Description = "Learning rate of every stage (default 0.1 x batch / 512)" };
    private readonly Option<int?> _subCenters = new("--subcenters") { Description = "Sub-centers K of the first stage" };
    private readonly Option<string?> _dropRule = new("--drop-rule") { Description = $"How the purifier picks its threshold: {RunPlan.Expected(DropRules.All)}" };
    private readonly Option<string?> _dropScore = new("--drop-score")
    {
        Description = $"What the purifier scores each sample by: {CommonOptions.DropScoreList()} (default: {DropScores.ClassMargin} with the automatic threshold, the paper's {DropScores.SubCenter} with --angle)",
    };
    private readonly Option<bool> _noWhitening = CommonOptions.NoWhitening("the purifier's and self-purification's angles to the class means");
    private readonly Option<double?> _posterior = CommonOptions.NoisePosterior();
    private readonly Option<double?> _angle = new("--angle") { Description = "Drop at or above this score (of --drop-score; degrees to the dominant sub-center with the paper's) instead of the automatic threshold" };
    private readonly Option<int?> _finalEpochs = new("--final-epochs") { Description = "Epochs of the final K=1 stage" };
    private readonly Option<int?> _seed = new("--seed") { Description = "Training seed" };
    private readonly Option<bool> _baseline = new("--baseline") { Description = "Also train K=1 on the raw data for comparison" };
    private readonly Option<double?> _baselineLr = new("--baseline-lr") { Description = "Learning rate of the baseline (default: --lr); implies --baseline" };
    private readonly Option<string?> _indexAlias = new("--index-alias") { Description = "Alias the final model's collection is published under" };
    private readonly Option<string?> _indexQuantization = new("--index-quantization") { Description = $"How the final collection is scanned: {string.Join(", ", IndexQuantizations.All)} (int8: a quarter of the memory streamed, candidates re-scored exactly)" };
    private readonly Option<string?> _indexModel = new("--index-model")
    {
        Description = "Index with this ONNX recognition model (an insightface model, or one `pipeline export` wrote) instead of the run's final model: " +
            "a local .onnx file, uploaded to the store, or the path of one in the store's models container",
    };
    private readonly Option<string?> _device = new("--device") { Description = $"Where the stages train: {string.Join(", ", RunPlan.Devices)}" };
    private readonly Option<string?> _align = CommonOptions.Align();

    private IEnumerable<Option> All => [_file, _backbone, _inputSize, _epochs, _decayEpochs, _selfPurifyFrom, _batchSize, _lr, _subCenters,
        _dropRule, _dropScore, _noWhitening, _posterior, _angle, _finalEpochs, _seed, _baseline, _baselineLr, _indexAlias, _indexQuantization, _indexModel, _device, _align];

    public RunPlanOptions AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
        return this;
    }

    /// <summary>The options' plan fields (not the file's).</summary>
    private RunPlanOverrides Overrides(ParseResult r) => new()
    {
        Backbone = r.GetValue(_backbone),
        InputSize = r.GetValue(_inputSize),
        Epochs = r.GetValue(_epochs),
        SubCenterDecayEpochs = r.GetValue(_decayEpochs),
        SubCenterSelfPurifyFrom = r.GetValue(_selfPurifyFrom),
        BatchSize = r.GetValue(_batchSize),
        LearningRate = r.GetValue(_lr),
        SubCenters = r.GetValue(_subCenters),
        DropRule = r.GetValue(_dropRule),
        DropScore = r.GetValue(_dropScore),
        WithinClassWhitening = r.GetValue(_noWhitening) ? false : null,
        DropNoisePosterior = r.GetValue(_posterior),
        DropThreshold = r.GetValue(_angle),
        FinalEpochs = r.GetValue(_finalEpochs),
        Seed = r.GetValue(_seed),
        Baseline = r.GetValue(_baseline) ? true : null,
        BaselineLearningRate = r.GetValue(_baselineLr),
        IndexAlias = r.GetValue(_indexAlias),
        Device = r.GetValue(_device),
        FaceAlignment = r.GetValue(_align),
        IndexQuantization = r.GetValue(_indexQuantization),
        IndexModel = LocalIndexModel(r) is { } file ? IndexModels.ContentPath(file) : r.GetValue(_indexModel),
    };

    /// <summary>The local file --index-model names, or null when it names a blob (or nothing).</summary>
    private string? LocalIndexModel(ParseResult r)
    {
        if (r.GetValue(_indexModel) is not { } given) return null;
        if (File.Exists(given)) return Path.GetFullPath(given);
        if (Path.IsPathRooted(given) || given.StartsWith('.')) throw new FileNotFoundException($"--index-model {Path.GetFullPath(given)}: no such file");
        return null;
    }

    /// <summary>
    /// The index model <paramref name="plan"/> names, checked and in <paramref name="blobs"/> before the run starts: the local
    /// file --index-model names uploaded, or the blob named opened; an error naming the file and why it cannot embed.
    /// </summary>
    public Task StageIndexModelAsync(ParseResult r, RunPlan? plan, IBlobStore blobs, CancellationToken ct) =>
        plan is null ? Task.CompletedTask : IndexModels.StageAsync(blobs, plan, LocalIndexModel(r), ct);

    /// <summary>
    /// The plan the options describe (the file's fields, then the options', over <paramref name="basePlan"/>), checked:
    /// an error naming every bad field. Null when no plan option was given: the service's default plan then applies.
    /// </summary>
    public RunPlan? Plan(ParseResult r, RunPlan basePlan)
    {
        var overrides = Overrides(r);
        var file = r.GetValue(_file) is { } path ? Path.GetFullPath(path) : null;
        if (file is null && overrides == new RunPlanOverrides()) return null;
        var plan = basePlan;
        if (file is not null)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"--plan {file}: no such file");
            plan = RunPlanOverrides.Parse(File.ReadAllText(file), file).Apply(plan);
        }
        return overrides.Apply(plan).Validated(file is null ? "plan" : $"plan ({file} and the options)");
    }
}
