using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>Maps each contract message to the ledger line it means.</summary>
public static class LedgerEntries
{
    /// <summary>Stage name for a retrain request, which precedes any real stage of its run.</summary>
    public const string RequestStage = "request";

    public static LedgerEntry From(object message, string? dedupeKey = null) => message switch
    {
        DatasetDropped m => new(m.RunId, Stages.Ingest, StageStatus.Started, m.DroppedAt, nameof(DatasetDropped), Detail(m), m.Plan, null, dedupeKey),
        DatasetIngested m => new(m.RunId, Stages.Ingest, StageStatus.Completed, m.IngestedAt, nameof(DatasetIngested), Detail(m), m.Plan, m.Dataset.DatasetId, dedupeKey),
        TrainModel m => new(m.RunId, m.Stage, StageStatus.Queued, m.RequestedAt, nameof(TrainModel), Detail(m), m.Plan, m.Dataset.DatasetId, dedupeKey),
        TrainingProgressed m => new(m.RunId, m.Stage, StageStatus.Progress, m.At, nameof(TrainingProgressed), Detail(m), m.Plan, null, dedupeKey),
        ModelTrained m => new(m.RunId, m.Stage, StageStatus.Completed, m.TrainedAt, nameof(ModelTrained), Detail(m), m.Plan, m.TrainedOn.DatasetId, dedupeKey),
        DatasetPurified m => new(m.RunId, Stages.Purify, StageStatus.Completed, m.PurifiedAt, nameof(DatasetPurified), Detail(m), m.Plan, null, dedupeKey),
        IndexPublished m => new(m.RunId, Stages.Index, StageStatus.Completed, m.PublishedAt, nameof(IndexPublished), Detail(m), m.Plan, null, dedupeKey),
        StageFailed m => new(m.RunId, m.Stage, StageStatus.Failed, m.FailedAt, nameof(StageFailed), Detail(m), m.Plan, null, dedupeKey),
        RetrainRequested m => new(m.RunId, RequestStage, StageStatus.Queued, m.RequestedAt, nameof(RetrainRequested), Detail(m), m.Plan, m.DatasetId, dedupeKey),
        _ => throw new ArgumentException($"{message.GetType().Name}: not a pipeline message the ledger knows", nameof(message)),
    };

    // The message minus what the run row already holds (run id, plan); a NaN loss is kept as "NaN".
    private static string Detail<T>(T message)
    {
        var node = JsonSerializer.SerializeToNode(message, PipelineJson.Options)!.AsObject();
        node.Remove(PipelineJson.Name(nameof(DatasetDropped.RunId)));
        node.Remove(PipelineJson.Name(nameof(DatasetDropped.Plan)));
        return node.ToJsonString();
    }

    /// <summary>A value as the ledger stores it: <see cref="PipelineJson"/>, on one line.</summary>
    public static string Json<T>(T value) => JsonSerializer.SerializeToNode(value, PipelineJson.Options)!.ToJsonString();

    /// <summary>
    /// A stored detail as JSON whose field names match in any case (rows written before the ledger spoke camelCase
    /// are PascalCase), or null when there is none.
    /// </summary>
    public static JsonNode? ParseDetail(string? json) =>
        json is null ? null : JsonNode.Parse(json, new JsonNodeOptions { PropertyNameCaseInsensitive = true });
}
