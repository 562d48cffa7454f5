using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Dashboard;

/// <summary>A run as the dashboard shows it: the ledger's run row, its stages and events, and every failure reason.</summary>
public sealed record RunView(
    string RunId,
    string Status,
    string? CurrentStage,
    string? DatasetId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    RunPlan? Plan,
    IReadOnlyList<StageView> Stages,
    IReadOnlyList<FailureView> Failures,
    IReadOnlyList<EventView> Events)
{
    /// <summary>What the plan's purification scores by (<see cref="RunPlan.EffectiveDropScore"/>): derived, so not in the plan.</summary>
    public string? DropScore => Plan?.EffectiveDropScore;

    /// <summary>Whether that score is measured within-class whitened (<see cref="RunPlan.DropScoreWhitened"/>).</summary>
    public bool DropScoreWhitened => Plan?.DropScoreWhitened ?? false;

    public static RunView From(RunDetails details, DateTimeOffset now)
    {
        var run = details.Run;
        var failures = details.Events
            .Where(e => e.Status == StageStatus.Failed)
            .Select(e => new FailureView(e.Stage, ReasonOf(e.DetailJson) ?? "(no reason given)", e.At))
            .ToList();
        return new RunView(run.RunId, run.Status, run.CurrentStage, run.DatasetId, run.CreatedAt, run.UpdatedAt, run.Plan,
            details.Stages.Select(s => StageView.From(s, now)).ToList(),
            failures,
            details.Events.Select(e => new EventView(e.Id, e.Stage, e.Status, e.At, e.MessageType, DetailJson.Parse(e.DetailJson))).ToList());
    }

    internal static string? ReasonOf(string? detailJson) =>
        DetailJson.Parse(detailJson)?["reason"]?.GetValue<string>();
}

/// <summary>
/// One stage: its status, when it started and ended, how long its work took (so far, while it runs), how long
/// it waited in the queue before that, the last training progress, and the reason when it failed. Detail is
/// the stage's last milestone event.
/// </summary>
public sealed record StageView(
    string Stage,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationSeconds,
    double QueuedSeconds,
    StageProgress? Progress,
    string? FailureReason,
    JsonNode? Detail)
{
    public static StageView From(StageSummary s, DateTimeOffset now)
    {
        var progress = s.LastProgressJson is null ? null : JsonSerializer.Deserialize<StageProgress>(s.LastProgressJson, PipelineJson.Options);
        var reason = s.Status == StageStatus.Failed ? RunView.ReasonOf(s.DetailJson) : null;
        return new StageView(s.Stage, s.Status, s.StartedAt, s.EndedAt, Math.Round(s.WorkSeconds(now), 3),
            Math.Round(s.QueuedSeconds(now), 3), progress, reason, DetailJson.Parse(s.DetailJson));
    }
}

/// <summary>The training numbers of a <see cref="TrainingProgressed"/> event (the ledger keeps it without run id and plan).</summary>
public sealed record StageProgress(int Epoch, int Epochs, long Step, double Loss, double Accuracy, double ImagesPerSecond, DateTimeOffset At);

public sealed record FailureView(string Stage, string Reason, DateTimeOffset At);

public sealed record EventView(long Id, string Stage, string Status, DateTimeOffset At, string MessageType, JsonNode? Detail);

/// <summary>
/// The ledger stores each message's detail in <see cref="PipelineJson"/>'s camelCase, as the API speaks; rows written
/// before it did are PascalCase, so detail keys are converted on the way out.
/// </summary>
internal static class DetailJson
{
    public static JsonNode? Parse(string? json) => json is null ? null : CamelCase(JsonNode.Parse(json));

    private static JsonNode? CamelCase(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(JsonNamingPolicy.CamelCase.ConvertName(p.Key), CamelCase(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(v => CamelCase(v?.DeepClone())).ToArray()),
        _ => node,
    };
}
