using System.Text.Json.Serialization;

namespace Pipeline.Contracts;

/// <summary>
/// The run's plan: everything needed to reproduce a run, carried by every message and saved
/// next to the models (models/&lt;runId&gt;/plan.json, which <see cref="Parse"/> reads back as the same plan).
/// Change one value with <c>plan with { Epochs = 2 }</c>, or several with a <see cref="RunPlanOverrides"/>;
/// <see cref="Validate"/> says what is wrong with it. Derived values are not written.
/// </summary>
public sealed partial record RunPlan
{
    /// <summary>Backbone name: one of <see cref="Backbones"/>.</summary>
    public string Backbone { get; init; } = "tiny";

    /// <summary>Square input side in pixels: one of <see cref="InputSizes"/>.</summary>
    public int InputSize { get; init; } = 64;

    /// <summary>Epochs of the first (sub-center) stage.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Epochs over which the sub-center stage's learning rate would decay to zero; null: twice
    /// <see cref="Epochs"/>, so the stage stops half-way down the curve, where it separates noise better
    /// at equal compute (docs/METHOD.md#the-sub-center-stage).
    /// </summary>
    public double? SubCenterDecayEpochs { get; init; }

    /// <summary>
    /// Self-purifying sub-center stage: from this epoch on, the model being trained scores every
    /// sample after each epoch and the next epoch trains only on those it would keep. Null: half
    /// the stage's epochs (5 of 10); 0: off, the paper's loop as published. Noise left out is not memorised,
    /// so the drop score separates it better (docs/METHOD.md#self-purification).
    /// </summary>
    public int? SubCenterSelfPurifyFrom { get; init; }

    public int BatchSize { get; init; } = 64;

    /// <summary>Base learning rate; null scales insightface's 0.1 per 512 images linearly with the batch.</summary>
    public double? LearningRate { get; init; }

    /// <summary>K, sub-centers per class in the first stage (the paper's choice is 3).</summary>
    public int SubCenters { get; init; } = 3;

    /// <summary>How the purifier picks its threshold: <see cref="DropRules.Angle"/> or <see cref="DropRules.Auto"/>.</summary>
    public string DropRule { get; init; } = DropRules.Auto;

    /// <summary>
    /// What the purifier measures each sample against (<see cref="DropScores"/>): the paper's angle to
    /// its class's dominant sub-center, the angle to its class's mean embedding, or that angle less the
    /// angle to the nearest other class's mean, plus 90. Null: <see cref="EffectiveDropScore"/>.
    /// </summary>
    public string? DropScore { get; init; }

    /// <summary>
    /// The score the purifier uses: <see cref="DropScore"/> when set; otherwise the class margin with the
    /// automatic threshold (it separates noise best: docs/METHOD.md#the-drop-score), and the paper's
    /// dominant sub-center with a fixed angle (the paper's 75 degrees is an angle to it).
    /// </summary>
    [JsonIgnore]
    public string EffectiveDropScore => DropScores.Effective(DropRule, DropScore);

    /// <summary>
    /// Measure the class-centre scores (the Purifier's class margin and class mean) and the self-purifying stage's
    /// angles in the within-class-whitened space: a linear map, fitted to the samples a first pass keeps, that makes
    /// one identity's spread the same in every direction. Null: on: hard images of a known face then count less against
    /// it than other identities do (docs/METHOD.md#within-class-whitening).
    /// </summary>
    public bool? WithinClassWhitening { get; init; }

    /// <summary>Whether the class-centre angles are measured whitened: <see cref="WithinClassWhitening"/>, on when unset.</summary>
    [JsonIgnore]
    public bool Whitened => WithinClassWhitening ?? true;

    /// <summary>Whether the purifier's score is measured whitened: a class-centre score with <see cref="Whitened"/> on.</summary>
    [JsonIgnore]
    public bool DropScoreWhitened => Whitened && EffectiveDropScore != DropScores.SubCenter;

    /// <summary>
    /// With <see cref="DropRules.Auto"/>: drop a sample only where the fitted two-mode mixture's noisy mode claims it with at
    /// least this posterior. Null: 0.5, where the modes cross. 0.8-0.9 keeps more clean samples on sets with less noise than
    /// the demo's, for some recall (docs/METHOD.md#the-automatic-threshold).
    /// </summary>
    public double? DropNoisePosterior { get; init; }

    /// <summary>Whether <paramref name="value"/> can be a <see cref="DropNoisePosterior"/>: strictly between 0 and 1.</summary>
    public static bool IsPosterior(double value) => value is > 0 and < 1;

    /// <summary>
    /// With <see cref="DropRules.Angle"/>: the score at or above which a sample is dropped, in the units of
    /// <see cref="EffectiveDropScore"/> (the paper: 75 degrees to the dominant sub-center).
    /// </summary>
    public double DropThreshold { get; init; } = 75.0;

    /// <summary>Reads <see cref="DropThreshold"/> from plans, messages and ledger rows written before it had that name.</summary>
    [JsonInclude, JsonPropertyName("dropAngleDegrees")]
    private double? FormerDropAngleDegrees { get => null; init { if (value is { } v) DropThreshold = v; } }

    /// <summary>Epochs of the final K=1 stage on the purified data.</summary>
    public int FinalEpochs { get; init; } = 10;

    public int Seed { get; init; } = 1;

    /// <summary>Also train plain ArcFace (K=1) on the raw data, to measure what purification gained.</summary>
    public bool Baseline { get; init; }

    /// <summary>
    /// Learning rate of the baseline; null: <see cref="LearningRate"/>. Plain ArcFace on heavily noisy
    /// data is the least stable stage (docs/METHOD.md#training), and a diverged stage is retried at half the lr.
    /// </summary>
    public double? BaselineLearningRate { get; init; }

    /// <summary>Alias the final model's collection is published under.</summary>
    public string IndexAlias { get; init; } = "faces";

    /// <summary>How the final model's collection is scanned (<see cref="IndexQuantizations"/>): exact float32, or int8 codes re-scored exactly.</summary>
    public string IndexQuantization { get; init; } = IndexQuantizations.None;

    /// <summary>
    /// A recognition model in ONNX that embeds the index instead of the run's final model (an insightface model the
    /// user already serves): a blob path of an .onnx file in the models container (the command line uploads a local
    /// file there first). The Indexer copies it into the run's folder, so the run's searches use the same file. Null: the final model.
    /// </summary>
    public string? IndexModel { get; init; }

    /// <summary>One of <see cref="Devices"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>How ingest finds the face in each photo (<see cref="FaceAlignments"/>): detect and align it to the five-point template, or not.</summary>
    public string FaceAlignment { get; init; } = FaceAlignments.Auto;

    public static RunPlan Default { get; } = new();

    /// <summary>"'a' or 'b'", or "one of 'a', 'b', 'c'": the values a plan field takes, for error messages.</summary>
    public static string Expected(IReadOnlyList<string> values) => values.Count == 2
        ? $"'{values[0]}' or '{values[1]}'"
        : "one of " + string.Join(", ", values.Select(v => $"'{v}'"));
}

/// <summary>Values of <see cref="RunPlan.FaceAlignment"/> (what each does: Pipeline.Alignment's FacePolicy).</summary>
public static class FaceAlignments
{
    /// <summary>Square images of a crop's size are taken as face crops already; other photos are detected and aligned.</summary>
    public const string Auto = "auto";

    /// <summary>Every image is detected and aligned.</summary>
    public const string Detect = "detect";

    /// <summary>No detection: each photo's five landmarks come with the drop (a landmarks file at its top).</summary>
    public const string Landmarks = "landmarks";

    /// <summary>No detection: the centred square crop.</summary>
    public const string None = "none";

    public static readonly IReadOnlyList<string> All = [Auto, Detect, Landmarks, None];
}

/// <summary>Values of <see cref="RunPlan.IndexQuantization"/> (Pipeline.VectorIndex's VectorQuantization).</summary>
public static class IndexQuantizations
{
    /// <summary>Every float32 vector is compared with the query.</summary>
    public const string None = "none";

    /// <summary>One byte a dimension scanned first, the best candidates re-scored from float32: a quarter of the memory to stream, exact scores.</summary>
    public const string Int8 = "int8";

    public static readonly IReadOnlyList<string> All = [None, Int8];
}

/// <summary>Values of <see cref="RunPlan.DropRule"/>.</summary>
public static class DropRules
{
    /// <summary>Drop samples whose score is at or above the fixed <see cref="RunPlan.DropThreshold"/>.</summary>
    public const string Angle = "angle";

    /// <summary>The purifier fits the threshold to the scores' distribution.</summary>
    public const string Auto = "auto";

    public static readonly IReadOnlyList<string> All = [Angle, Auto];
}

/// <summary>Values of <see cref="RunPlan.DropScore"/>.</summary>
public static class DropScores
{
    /// <summary>The paper's rule: angle to the class's dominant sub-center.</summary>
    public const string SubCenter = "subcenter";

    /// <summary>Angle to the class's mean embedding.</summary>
    public const string ClassMean = "class-mean";

    /// <summary>Angle to the class's mean embedding less the angle to the nearest other class's mean, plus 90.</summary>
    public const string ClassMargin = "class-margin";

    public static readonly IReadOnlyList<string> All = [SubCenter, ClassMean, ClassMargin];

    /// <summary>
    /// The score a purification uses: <paramref name="score"/> when given; otherwise the paper's dominant
    /// sub-center with a fixed angle (the paper's 75 degrees is an angle to it), the class margin with the
    /// automatic threshold.
    /// </summary>
    public static string Effective(string dropRule, string? score) => score ?? (dropRule == DropRules.Angle ? SubCenter : ClassMargin);
}
