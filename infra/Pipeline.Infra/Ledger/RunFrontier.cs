using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// Where an unfinished run stands, read from its ledger events: each message that was recorded but whose
/// consequence was not (a drop that was never ingested, a training job never trained, a sub-center model never
/// purified...), with the stage that owes the consequence. Publishing such a message again moves the run on,
/// because every consumer is idempotent (it publishes its stored result again, or redoes deterministic work);
/// the same list says what a stalled run was waiting for.
/// </summary>
public static class RunFrontier
{
    /// <summary>A recorded message whose consequence is missing: what to publish again, and what the run waits for.</summary>
    public sealed record Pending(object Message, string Stage, string WaitingFor, DateTimeOffset Since);

    public static IReadOnlyList<Pending> Of(RunDetails run)
    {
        var plan = run.Run.Plan ?? RunPlan.Default;
        var events = run.Events.Where(e => e.Status != StageStatus.Progress).ToList();
        bool Has(string type, string? stage = null) => events.Any(e => e.MessageType == type && (stage is null || e.Stage == stage));
        bool Queued(string stage) => Has(nameof(TrainModel), stage);
        var pending = new List<Pending>();
        void Add(LedgerEvent e, string stage, string waitingFor) =>
            pending.Add(new Pending(Message(e, run.Run.RunId, plan), stage, waitingFor, e.At));

        foreach (var e in events.GroupBy(e => (e.MessageType, e.Stage)).Select(g => g.Last()))
        {
            switch (e.MessageType)
            {
                case nameof(DatasetDropped) when !Has(nameof(DatasetIngested)):
                    Add(e, Stages.Ingest, "the drop to be ingested (DatasetIngested from Ingest)");
                    break;
                case nameof(RetrainRequested) when !Queued(Stages.SubCenter):
                    Add(e, Stages.SubCenter, "the retrain request to start training (TrainModel from the Trainer)");
                    break;
                case nameof(DatasetIngested) when !Queued(Stages.SubCenter) || (plan.Baseline && !Queued(Stages.Baseline)):
                    Add(e, Stages.SubCenter, "the ingested dataset to be queued for training (TrainModel from the Trainer)");
                    break;
                case nameof(TrainModel) when !Has(nameof(ModelTrained), e.Stage):
                    Add(e, e.Stage, $"the {e.Stage} stage to be trained (ModelTrained from the Trainer)");
                    break;
                case nameof(ModelTrained) when e.Stage == Stages.FedBy(Stages.Purify) && !Has(nameof(DatasetPurified)):
                    Add(e, Stages.Purify, "the sub-center model's purification (DatasetPurified from the Purifier)");
                    break;
                case nameof(DatasetPurified) when !Queued(Stages.Final):
                    Add(e, Stages.Final, "the purified dataset to be queued for retraining (TrainModel from the Trainer)");
                    break;
                case nameof(ModelTrained) when e.Stage == Stages.FedBy(Stages.Index) && !Has(nameof(IndexPublished)):
                    Add(e, Stages.Index, "the final model's index (IndexPublished from the Indexer)");
                    break;
            }
        }
        return pending;
    }

    private static readonly Dictionary<string, Type> Types = new[]
    {
        typeof(DatasetDropped), typeof(DatasetIngested), typeof(RetrainRequested), typeof(TrainModel), typeof(ModelTrained), typeof(DatasetPurified),
    }.ToDictionary(t => t.Name);

    /// <summary>The message an event recorded: its detail (the message less run id and plan) with both put back.</summary>
    public static object Message(LedgerEvent e, string runId, RunPlan plan)
    {
        var type = Types.GetValueOrDefault(e.MessageType) ?? throw new ArgumentException($"{e.MessageType}: not a message a run is resumed from");
        var node = JsonNode.Parse(e.DetailJson ?? "{}")!.AsObject();
        node[PipelineJson.Name(nameof(DatasetDropped.RunId))] = runId;
        node[PipelineJson.Name(nameof(DatasetDropped.Plan))] = JsonSerializer.SerializeToNode(plan, PipelineJson.Options);
        return node.Deserialize(type, PipelineJson.Options) ?? throw new InvalidDataException($"run {runId}: event {e.Id} ({e.MessageType}) has no detail");
    }
}
