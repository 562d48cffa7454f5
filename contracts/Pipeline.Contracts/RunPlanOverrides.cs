using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Contracts;

/// <summary>
/// Changes to a <see cref="RunPlan"/>, every field optional and named as in the plan: a drop's plan.json (over the
/// default plan), the command line's plan options and the dashboard's retrain body (over the run's plan) all say
/// one of these. A fixed drop threshold given without a drop rule means the fixed rule (the automatic one would
/// ignore it), and a baseline learning rate without <c>baseline</c> means a baseline.
/// </summary>
public record RunPlanOverrides
{
    public string? Backbone { get; init; }
    public int? InputSize { get; init; }
    public int? Epochs { get; init; }
    public double? SubCenterDecayEpochs { get; init; }
    public int? SubCenterSelfPurifyFrom { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public int? SubCenters { get; init; }
    public string? DropRule { get; init; }
    public string? DropScore { get; init; }
    public bool? WithinClassWhitening { get; init; }
    public double? DropNoisePosterior { get; init; }
    public double? DropThreshold { get; init; }

    /// <summary>A plan file written before <see cref="DropThreshold"/> had that name.</summary>
    [JsonInclude, JsonPropertyName("dropAngleDegrees")]
    private double? FormerDropAngleDegrees { get => null; init => DropThreshold ??= value; }
    public int? FinalEpochs { get; init; }
    public int? Seed { get; init; }
    public bool? Baseline { get; init; }
    public double? BaselineLearningRate { get; init; }
    public string? IndexAlias { get; init; }
    public string? IndexQuantization { get; init; }
    public string? IndexModel { get; init; }
    public string? Device { get; init; }
    public string? FaceAlignment { get; init; }

    /// <summary>
    /// A plan file's fields (camelCase, or any case), unchecked; an <see cref="InvalidDataException"/> naming
    /// <paramref name="where"/> when it is not JSON, holds a field a plan does not have, or a value of the wrong type.
    /// </summary>
    public static RunPlanOverrides Parse(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<RunPlanOverrides>(json, PipelineJson.Strict)
                ?? throw new InvalidDataException($"{where}: empty plan (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a valid run plan: {e.Message}", e);
        }
    }

    /// <summary><paramref name="plan"/> with every field given here replaced; not checked (<see cref="RunPlan.Validate"/>).</summary>
    public RunPlan Apply(RunPlan plan)
    {
        var applied = plan with
        {
            DropRule = DropRule ?? (DropThreshold is null ? plan.DropRule : DropRules.Angle),
            Baseline = Baseline ?? (BaselineLearningRate is null ? plan.Baseline : true),
        };
        foreach (var (field, value) in Fields)
            if (value.GetValue(this) is { } given) field.SetValue(applied, given);
        return applied;
    }

    /// <summary>Each plan field and the override of the same name (a test holds that every field has one).</summary>
    private static readonly (PropertyInfo Field, PropertyInfo Value)[] Fields = typeof(RunPlan).GetProperties()
        .Where(p => p.CanWrite)
        .Select(p => (p, typeof(RunPlanOverrides).GetProperty(p.Name)!))
        .ToArray();
}
