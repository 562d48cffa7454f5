namespace Pipeline.Infra.Blobs;

/// <summary>The containers of the storage layout (docs/ARCHITECTURE.md, "Storage layout").</summary>
public static class BlobContainers
{
    /// <summary>drops/&lt;name&gt;/... what users upload.</summary>
    public const string Drops = "drops";

    /// <summary>datasets/&lt;datasetId&gt;/ shards + manifest.json; purified-&lt;runId&gt;/ keep-lists.</summary>
    public const string Datasets = "datasets";

    /// <summary>models/&lt;runId&gt;/&lt;stage&gt;/ checkpoints, final weights, metrics.json.</summary>
    public const string Models = "models";

    /// <summary>cache/detections/&lt;detector&gt;/&lt;content&gt;-&lt;size&gt;: faces found in photos, so Ingest never detects an unchanged photo twice.</summary>
    public const string Cache = "cache";
}

/// <summary>Paths inside the containers; the layout is a contract between services.</summary>
public static class BlobPaths
{
    /// <summary>Marker an Ingest instance claims before packing a drop (in container "drops").</summary>
    public static string DropClaim(string dropName) => $"{dropName}/_CLAIMED";

    public static string DatasetManifest(string datasetId) => $"{datasetId}/manifest.json";
    public static string DatasetQuarantine(string datasetId) => $"{datasetId}/quarantine.json";
    /// <summary>A few photos beside what face finding made of them (Pipeline.Datasets.FaceExamples); only where faces were looked for.</summary>
    public static string DatasetExamples(string datasetId) => $"{datasetId}/examples.json";
    public static string PurifiedFolder(string datasetId, string runId) => $"{datasetId}/purified-{runId}/";
    public static string PurifiedManifest(string datasetId, string runId) => $"{PurifiedFolder(datasetId, runId)}manifest.json";
    public static string PurifiedReport(string datasetId, string runId) => $"{PurifiedFolder(datasetId, runId)}report.json";
    public static string ModelFolder(string runId, string stage) => $"{runId}/{stage}/";
    /// <summary>A stage's trained model (its checkpoints live beside it, in the stage's folder).</summary>
    public static string TrainedModel(string runId, string stage) => $"{ModelFolder(runId, stage)}final/";
    public static string RunPlan(string runId) => $"{runId}/plan.json";
    public static string Metrics(string runId, string stage) => $"{ModelFolder(runId, stage)}metrics.json";
    /// <summary>A detection cache entry (in container "cache"), by its key (Pipeline.Alignment.DetectionCache.Key).</summary>
    public static string Detections(string key) => $"detections/{key}";
}
