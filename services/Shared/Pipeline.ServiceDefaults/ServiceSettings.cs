using Microsoft.Extensions.Configuration;
using Pipeline.Infra.Configuration;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// Service-side settings of section "Pipeline" (beside infra's): where the vector index lives and
/// where a service keeps its local scratch (downloaded shards, models, checkpoints in progress).
/// </summary>
public sealed class ServiceSettings
{
    /// <summary>Pipeline:Root, as infra reads it (<see cref="PipelineOptions.Root"/>): the index and the work folder default to under it.</summary>
    public string Root { get; set; } = PipelineOptions.DefaultRoot;

    /// <summary>"Embedded" (default: a file index under <see cref="EmbeddedIndexPath"/>) or "Qdrant".</summary>
    public string VectorIndex { get; set; } = "Embedded";

    /// <summary>Default: <see cref="Root"/>/index.</summary>
    public string EmbeddedIndexPath
    {
        get => _embeddedIndexPath ?? Path.Combine(Root, "index");
        set => _embeddedIndexPath = value;
    }

    private string? _embeddedIndexPath;
    public QdrantSettings Qdrant { get; set; } = new();

    /// <summary>
    /// Local scratch. Default: <see cref="Root"/>/work, and work/&lt;service&gt; for a process hosting one service, so
    /// that services sharing a root on one machine never download into the same files.
    /// </summary>
    public string WorkRoot
    {
        get => _workRoot ?? Path.Combine(Root, "work");
        set => _workRoot = value;
    }

    private string? _workRoot;
    /// <summary>Seconds between TrainingProgressed events of one job.</summary>
    public double ProgressIntervalSeconds { get; set; } = 5;
    /// <summary>Checkpoint (and upload it) every this many optimizer steps, besides each epoch end.</summary>
    public int CheckpointEverySteps { get; set; } = 200;
    /// <summary>Seconds a trainer's claim on a job lasts unless renewed: how soon another instance takes over a dead one's job.</summary>
    public double TrainingClaimSeconds { get; set; } = 120;
    /// <summary>
    /// How often a training that diverges (the collapse detector stops it) is started again from
    /// scratch at half the learning rate before the stage fails: plain ArcFace on noisy data sits
    /// close to the edge (docs/METHOD.md#training), and one unlucky run should not fail a whole run.
    /// </summary>
    public int DivergenceRetries { get; set; } = 2;
    /// <summary>Seconds between scans for unfinished training jobs (after a crash, any instance resumes them).</summary>
    public double JobRescanSeconds { get; set; } = 60;
    /// <summary>Seconds between drop-container polls (Azure Blob has no events on Azurite).</summary>
    public double DropPollSeconds { get; set; } = 2;
    /// <summary>
    /// Minutes a run may record nothing (no event, no training progress) before it is failed as stalled, with what it
    /// was waiting for; 0 turns the check off. Training reports progress every few seconds, so only a lost message, a
    /// dead service or a job queued behind this long of other jobs trips it.
    /// </summary>
    public double StallMinutes { get; set; } = 120;
    /// <summary>Seconds between checks for stalled runs.</summary>
    public double StallCheckSeconds { get; set; } = 60;
    /// <summary>Whether the ledger's host publishes again, when it starts, what each unfinished run waits on.</summary>
    public bool ResumeAtStart { get; set; } = true;
    /// <summary>Key required by the search API for anything that writes; empty disables writes.</summary>
    public string ApiKey { get; set; } = "";

    /// <param name="service">The one service the process hosts, whose work folder is its own; null for several.</param>
    public static ServiceSettings From(IConfiguration configuration, string? service = null)
    {
        var section = configuration.GetSection(PipelineOptions.Section);
        // The root first: the binder writes back every default it reads, and the paths under the root are read from it.
        var s = new ServiceSettings { Root = section[nameof(Root)] ?? PipelineOptions.DefaultRoot };
        if (service is not null && section[nameof(WorkRoot)] is null) s.WorkRoot = Path.Combine(s.Root, "work", service);
        section.Bind(s);
        return s;
    }
}

public sealed class QdrantSettings
{
    public string? Url { get; set; }
    public string? ApiKey { get; set; }
}
