using Pipeline.Infra.Blobs;

namespace Pipeline.Trainer;

/// <summary>Where a training job keeps its state in the models container (models/&lt;run&gt;/&lt;stage&gt;/...).</summary>
public static class JobPaths
{
    public static string Job(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "job.json";
    /// <summary>The W3C traceparent of the TrainModel that queued the job: a job resumed by the rescan stays in its run's trace.</summary>
    public static string TraceParent(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "traceparent";
    public static string Claim(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "_TRAINING";
    public static string Checkpoint(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "checkpoint/";
    public static string Final(string run, string stage) => BlobPaths.TrainedModel(run, stage);
    /// <summary>The ModelTrained event of a finished job, re-published on a redelivered command.</summary>
    public static string Trained(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "trained.json";
    public static string Failed(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "failed.json";
    /// <summary>Written before trained.json/failed.json and removed once its event is published: the rescan announces what a crash left unannounced.</summary>
    public static string Unannounced(string run, string stage) => BlobPaths.ModelFolder(run, stage) + UnannouncedMarker;
    public const string UnannouncedMarker = "_UNANNOUNCED";
    /// <summary>The divergence retry in force (<see cref="DivergenceRetry"/>), so a resumed job trains at the rate its checkpoint was written with.</summary>
    public static string Attempt(string run, string stage) => BlobPaths.ModelFolder(run, stage) + "attempt.json";
}
