namespace Pipeline.Contracts;

// Events: past tense, published, any number of consumers. Each carries its run (IRunMessage) and says what it
// reports about its stage (IStageReport); which stage it feeds is StageGraph.

/// <summary>A complete drop was found at drops/&lt;DropName&gt;/ (its marker or archive landed).</summary>
public sealed record DatasetDropped(
    string RunId,
    RunPlan Plan,
    string DropName,
    DateTimeOffset DroppedAt) : IStageReport
{
    string IRunMessage.Stage => Stages.Ingest;
    string IStageReport.Status => StageStatus.Started;
    DateTimeOffset IStageReport.At => DroppedAt;
}

/// <summary>Ingest packed the drop into datasets/&lt;DatasetId&gt;/ (shards + manifest.json, quarantine.json).</summary>
public sealed record DatasetIngested(
    string RunId,
    RunPlan Plan,
    DatasetRef Dataset,
    int Samples,
    int Identities,
    int Quarantined,
    DateTimeOffset IngestedAt) : IStageReport
{
    string IRunMessage.Stage => Stages.Ingest;
    string IStageReport.Status => StageStatus.Completed;
    DateTimeOffset IStageReport.At => IngestedAt;
    string IStageReport.DatasetId => Dataset.DatasetId;
}

/// <summary>Periodic progress of a training job; informational, safe to lose.</summary>
public sealed record TrainingProgressed(
    string RunId,
    RunPlan Plan,
    string Stage,
    int Epoch,
    int Epochs,
    long Step,
    double Loss,
    double Accuracy,
    double ImagesPerSecond,
    DateTimeOffset At) : IStageReport
{
    string IStageReport.Status => StageStatus.Progress;
}

/// <summary>A stage finished training; its weights and metrics.json are under models/&lt;runId&gt;/&lt;stage&gt;/.</summary>
public sealed record ModelTrained(
    string RunId,
    RunPlan Plan,
    string Stage,
    ModelRef Model,
    DatasetRef TrainedOn,
    int SubCenters,
    TrainingMetrics Metrics,
    DateTimeOffset TrainedAt) : IStageReport
{
    string IStageReport.Status => StageStatus.Completed;
    DateTimeOffset IStageReport.At => TrainedAt;
    string IStageReport.DatasetId => TrainedOn.DatasetId;
}

/// <summary>
/// The purifier wrote a keep-list manifest and a report under datasets/&lt;DatasetId&gt;/purified-&lt;runId&gt;/.
/// Purified.DatasetId is the source dataset's id; Purified.ManifestPath is the keep-list manifest. Distribution
/// (null from purifiers before it existed) is the scores' histogram the dashboard draws. Warning (null when the cut
/// stands on its evidence, and from purifiers before it existed) says why the automatic threshold cannot be trusted on this data.
/// </summary>
public sealed record DatasetPurified(
    string RunId,
    RunPlan Plan,
    DatasetRef Purified,
    string ReportPath,
    int Kept,
    int Dropped,
    double ThresholdDegrees,
    DateTimeOffset PurifiedAt,
    ScoreDistribution? Distribution = null,
    string? Warning = null) : IStageReport
{
    string IRunMessage.Stage => Stages.Purify;
    string IStageReport.Status => StageStatus.Completed;
    DateTimeOffset IStageReport.At => PurifiedAt;
}

/// <summary>
/// A complete collection of embeddings was built and the alias switched to it; or, when NotPublished says why
/// (the publish gate found the model unfit to serve), built and left unserved, the alias on its previous collection.
/// </summary>
public sealed record IndexPublished(
    string RunId,
    RunPlan Plan,
    ModelRef Model,
    string Collection,
    string Alias,
    long Points,
    DateTimeOffset PublishedAt,
    string? NotPublished = null) : IStageReport
{
    string IRunMessage.Stage => Stages.Index;
    string IStageReport.Status => StageStatus.Completed;
    DateTimeOffset IStageReport.At => PublishedAt;
}

/// <summary>A stage gave up on a run; Reason names the input and what was wrong with it.</summary>
public sealed record StageFailed(
    string RunId,
    RunPlan Plan,
    string Stage,
    string Reason,
    DateTimeOffset FailedAt) : IStageReport
{
    string IStageReport.Status => StageStatus.Failed;
    DateTimeOffset IStageReport.At => FailedAt;
}
