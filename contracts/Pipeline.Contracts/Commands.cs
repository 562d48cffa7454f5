namespace Pipeline.Contracts;

// Commands: imperative, sent to (or published for) the one service that acts on them. Each carries its run (IRunMessage).

/// <summary>Train one stage of a run on a dataset. K is the number of sub-centers (1 = plain ArcFace).</summary>
public sealed record TrainModel(
    string RunId,
    RunPlan Plan,
    string Stage,
    DatasetRef Dataset,
    int SubCenters,
    DateTimeOffset RequestedAt) : IStageReport
{
    string IStageReport.Status => StageStatus.Queued;
    DateTimeOffset IStageReport.At => RequestedAt;
    string IStageReport.DatasetId => Dataset.DatasetId;
}

/// <summary>
/// Anyone may ask for a retrain of an ingested dataset with a changed plan.
/// RequestId is the idempotency key: a repeated request with the same id starts no second run.
/// </summary>
public sealed record RetrainRequested(
    string RequestId,
    string DatasetId,
    RunPlan Plan,
    string RequestedBy,
    DateTimeOffset RequestedAt) : IStageReport
{
    /// <summary>The run this request starts; derived from RequestId so a redelivery maps to the same run (so not written).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string RunId => RunIds.FromKey(RequestId);

    string IRunMessage.Stage => Stages.Request;
    string IStageReport.Status => StageStatus.Queued;
    DateTimeOffset IStageReport.At => RequestedAt;
}

/// <summary>
/// One shard of a purification: embed the shard's samples with the stage's sub-center model and
/// record each one's cosines to its class's sub-centers. Shards are independent, so purifier
/// instances share the work; the last shard to finish makes the decisions for the whole set.
/// </summary>
public sealed record PurifyShard(
    string RunId,
    RunPlan Plan,
    ModelRef Model,
    DatasetRef Dataset,
    int Shard,
    int Shards) : IRunMessage
{
    string IRunMessage.Stage => Stages.Purify;
}

/// <summary>
/// One shard of indexing: embed the kept samples of the shard with the final model and upsert
/// them into the run's collection; the last shard builds identity templates and switches the alias.
/// </summary>
public sealed record IndexShard(
    string RunId,
    RunPlan Plan,
    ModelRef Model,
    DatasetRef Dataset,
    int Shard,
    int Shards) : IRunMessage
{
    string IRunMessage.Stage => Stages.Index;
}
