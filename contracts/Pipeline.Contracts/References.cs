namespace Pipeline.Contracts;

/// <summary>A packed dataset: its id and the blob path of its manifest (in the "datasets" container).</summary>
public sealed record DatasetRef(string DatasetId, string ManifestPath);

/// <summary>A trained model: the run, the stage and the blob path of its final weights (in the "models" container).</summary>
public sealed record ModelRef(string RunId, string Stage, string Path);

/// <summary>Summary metrics of a trained model, also written to models/&lt;runId&gt;/&lt;stage&gt;/metrics.json.</summary>
public sealed record TrainingMetrics(
    int Epochs,
    double FinalLoss,
    double TrainAccuracy,
    double? VerificationAccuracy = null,
    double? TarAtFar = null,
    double DurationSeconds = 0);
