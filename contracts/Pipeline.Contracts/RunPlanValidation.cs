using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Contracts;

/// <summary>One thing wrong with a plan: the field, spelt as plan files spell it, and what is wrong with its value.</summary>
public sealed record PlanProblem(string Field, string Message)
{
    public override string ToString() => Message;
}

public sealed partial record RunPlan
{
    /// <summary>The backbones the trainer builds (face's <c>BackboneSpec.Depths</c>).</summary>
    public static readonly IReadOnlyList<string> Backbones = ["tiny", "r18", "r34", "r50", "r100"];

    /// <summary>The input sizes the backbones take (face's <c>BackboneSpec.Create</c>).</summary>
    public static readonly IReadOnlyList<int> InputSizes = [64, 112];

    /// <summary>The devices a stage trains on (face's <c>TorchRuntime.ResolveDevice</c>); "auto" takes CUDA when present.</summary>
    public static readonly IReadOnlyList<string> Devices = ["auto", "cpu", "cuda"];

    // The vector index's rule for collection and alias names (VectorIndex's CollectionNames).
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z")]
    private static partial Regex AliasPattern();

    /// <summary>
    /// Every problem of this plan, each naming its field: what a stage would otherwise fail on only when it gets there
    /// (a training with 0 epochs, a purification by an unknown score), so every way in refuses it first.
    /// </summary>
    public IReadOnlyList<PlanProblem> Validate()
    {
        var problems = new List<PlanProblem>();
        void Refuse(bool ok, string member, string why)
        {
            if (!ok) problems.Add(new PlanProblem(PipelineJson.Name(member), $"{PipelineJson.Name(member)} {why}"));
        }
        void Check(bool ok, string member, object? value, string expected) => Refuse(ok, member, value switch
        {
            string s => $"'{s}'",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => "null",
        } + ": expected " + expected);

        Check(Backbones.Contains(Backbone), nameof(Backbone), Backbone, Expected(Backbones));
        Check(InputSizes.Contains(InputSize), nameof(InputSize), InputSize, string.Join(" or ", InputSizes));
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(SubCenterDecayEpochs is null || SubCenterDecayEpochs >= Epochs, nameof(SubCenterDecayEpochs), SubCenterDecayEpochs,
            $"at least the epochs ({Epochs.ToString(CultureInfo.InvariantCulture)})");
        Check(SubCenterSelfPurifyFrom is null or >= 0, nameof(SubCenterSelfPurifyFrom), SubCenterSelfPurifyFrom, "0 (off) or an epoch");
        Check(BatchSize >= 2, nameof(BatchSize), BatchSize, "at least 2 (batch normalisation needs a batch)");
        Check(LearningRate is null || LearningRate > 0, nameof(LearningRate), LearningRate, "a positive rate");
        Check(SubCenters >= 1, nameof(SubCenters), SubCenters, "at least 1");
        Check(DropRules.All.Contains(DropRule), nameof(DropRule), DropRule, Expected(DropRules.All));
        Check(DropScore is null || DropScores.All.Contains(DropScore), nameof(DropScore), DropScore, Expected(DropScores.All));
        Check(DropNoisePosterior is null || IsPosterior(DropNoisePosterior.Value), nameof(DropNoisePosterior), DropNoisePosterior,
            "between 0 and 1 (exclusive)");
        Refuse(DropNoisePosterior is null || DropRule != DropRules.Angle, nameof(DropNoisePosterior),
            $"moves the automatic threshold: it does not go with {PipelineJson.Name(nameof(DropRule))} '{DropRules.Angle}'");
        Check(DropThreshold is > 0 and < 180, nameof(DropThreshold), DropThreshold, "between 0 and 180 (exclusive)");
        Check(FinalEpochs >= 1, nameof(FinalEpochs), FinalEpochs, "at least 1");
        Check(BaselineLearningRate is null || BaselineLearningRate > 0, nameof(BaselineLearningRate), BaselineLearningRate, "a positive rate");
        Check(AliasPattern().IsMatch(IndexAlias) && !IndexAlias.Contains(".."), nameof(IndexAlias), IndexAlias,
            "1-128 of [A-Za-z0-9_.-], starting with a letter or digit");
        Check(Devices.Contains(Device, StringComparer.OrdinalIgnoreCase), nameof(Device), Device, Expected(Devices));
        Check(FaceAlignments.All.Contains(FaceAlignment), nameof(FaceAlignment), FaceAlignment, Expected(FaceAlignments.All));
        Check(IndexQuantizations.All.Contains(IndexQuantization), nameof(IndexQuantization), IndexQuantization, Expected(IndexQuantizations.All));
        Check(IndexModel is null || IsIndexModelPath(IndexModel), nameof(IndexModel), IndexModel,
            "the path of an .onnx file in the models container (relative, '/'-separated, no '..')");
        return problems;
    }

    /// <summary>Whether <paramref name="path"/> can name an <see cref="IndexModel"/>: a relative blob path of an .onnx file.</summary>
    private static bool IsIndexModelPath(string path) =>
        path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !path.StartsWith('/') && !path.Contains('\\')
        && path.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    /// <summary>This plan, or an <see cref="ArgumentException"/> naming <paramref name="where"/> and every problem.</summary>
    public RunPlan Validated(string where) => Validate() is { Count: > 0 } problems
        ? throw new ArgumentException($"{where}: {string.Join("; ", problems)}")
        : this;

    /// <summary>
    /// The plan a plan file describes (<see cref="RunPlanOverrides"/> over the default plan), checked: an
    /// <see cref="InvalidDataException"/> naming <paramref name="where"/> and what is wrong (the JSON, an unknown
    /// field, or every bad value).
    /// </summary>
    public static RunPlan Parse(string json, string where)
    {
        var plan = RunPlanOverrides.Parse(json, where).Apply(Default);
        return plan.Validate() is { Count: > 0 } problems
            ? throw new InvalidDataException($"{where}: {string.Join("; ", problems)}")
            : plan;
    }

    /// <summary>The plan as a plan file: what <see cref="Parse"/> reads back as an equal plan.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, PipelineJson.Options);
}
