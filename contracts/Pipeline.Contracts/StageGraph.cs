namespace Pipeline.Contracts;

/// <summary>
/// One edge of the stage graph: a <paramref name="Message"/> about stage <paramref name="From"/> (any, when null) hands
/// stage <paramref name="Feeds"/> its work (the stage the message names, when null), if <paramref name="When"/> holds
/// for the run's plan; the run then waits for the fed stage to reach <paramref name="Awaits"/>, which
/// <paramref name="WaitsFor"/> says in words.
/// </summary>
public sealed record StageFeed(Type Message, string? From, string? Feeds, string Awaits, string WaitsFor, PlanCondition? When = null)
{
    /// <summary>Whether a message of this type, about this stage, in a run of this plan, takes this edge.</summary>
    public bool Takes(string messageType, string stage, RunPlan plan) =>
        Message.Name == messageType && (From is null || From == stage) && (When is null || When.Holds(plan));

    /// <summary>The stage this edge feeds from a message about <paramref name="stage"/>.</summary>
    public string FedStage(string stage) => Feeds ?? stage;
}

/// <summary>A condition on the run's plan, and how the docs say it.</summary>
public sealed record PlanCondition(string Text, Func<RunPlan, bool> Holds);

/// <summary>
/// Which message feeds which stage, written once. Routing consumers start the stages it names, the ledger reads from it
/// what an unfinished run waits for, a message that fails every retry fails the stage it feeds, and
/// docs/ARCHITECTURE.md shows it (<see cref="Markdown"/>, checked by a test).
/// </summary>
public static class StageGraph
{
    private static readonly PlanCondition BaselinePlanned = new("the plan asks for a baseline", p => p.Baseline);

    /// <summary>The edges, in the order a run takes them.</summary>
    public static IReadOnlyList<StageFeed> Edges { get; } =
    [
        new(typeof(DatasetDropped), null, Stages.Ingest, StageStatus.Completed, "the drop to be ingested"),
        new(typeof(DatasetIngested), null, Stages.SubCenter, StageStatus.Queued, "the ingested dataset to be queued for sub-center training"),
        new(typeof(DatasetIngested), null, Stages.Baseline, StageStatus.Queued, "the ingested dataset to be queued for baseline training", BaselinePlanned),
        new(typeof(RetrainRequested), null, Stages.SubCenter, StageStatus.Queued, "the requested run to be queued for sub-center training"),
        new(typeof(RetrainRequested), null, Stages.Baseline, StageStatus.Queued, "the requested run to be queued for baseline training", BaselinePlanned),
        new(typeof(TrainModel), null, null, StageStatus.Completed, "the queued stage to be trained"),
        new(typeof(ModelTrained), Stages.SubCenter, Stages.Purify, StageStatus.Completed, "the sub-center model's purification"),
        new(typeof(PurifyShard), null, Stages.Purify, StageStatus.Completed, "every shard to be scored and the set decided"),
        new(typeof(DatasetPurified), null, Stages.Final, StageStatus.Queued, "the purified dataset to be queued for final training"),
        new(typeof(ModelTrained), Stages.Final, Stages.Index, StageStatus.Completed, "the final model's index"),
        new(typeof(IndexShard), null, Stages.Index, StageStatus.Completed, "every shard to be indexed and the alias switched"),
    ];

    /// <summary>The stage whose completion completes the run.</summary>
    public const string Last = Stages.Index;

    /// <summary>The message types that feed a stage, each once.</summary>
    public static IReadOnlyList<Type> Messages { get; } = Edges.Select(f => f.Message).Distinct().ToList();

    /// <summary>The edges a message takes.</summary>
    public static IEnumerable<StageFeed> Of(IRunMessage message) => Of(message.GetType().Name, message.Stage, message.Plan);

    /// <summary>The edges a message of this type (by name, as the ledger stores it), about this stage, takes in a run of this plan.</summary>
    public static IEnumerable<StageFeed> Of(string messageType, string stage, RunPlan plan) => Edges.Where(f => f.Takes(messageType, stage, plan));

    /// <summary>The stages a message hands work, in the graph's order.</summary>
    public static IEnumerable<string> Fed(IRunMessage message) => Of(message).Select(f => f.FedStage(message.Stage));

    /// <summary>Whether a message hands <paramref name="stage"/> its work.</summary>
    public static bool Feeds(IRunMessage message, string stage) => Fed(message).Contains(stage);

    /// <summary>
    /// For a stage that answers another stage's outcome with nothing but its own (purify on the sub-center model, index on
    /// the final model), that other stage: its work starts when the feeding stage completes. Null for the others, which
    /// are queued or started by a message of their own.
    /// </summary>
    public static string? FedBy(string stage) =>
        Edges.FirstOrDefault(f => f.Feeds == stage && f.From is { } from && from != stage && f.Awaits == StageStatus.Completed)?.From;

    /// <summary>The graph as docs/ARCHITECTURE.md shows it: every message, the stage it feeds and what the run then waits for.</summary>
    public static string Markdown()
    {
        var lines = new List<string>
        {
            "| message | feeds stage | when | then the run waits for | until |",
            "|---|---|---|---|---|",
        };
        foreach (var f in Edges)
            lines.Add($"| `{f.Message.Name}`{(f.From is null ? "" : $" ({f.From})")} | {(f.Feeds is null ? "the stage it names" : $"`{f.Feeds}`")} "
                + $"| {f.When?.Text ?? "always"} | {f.WaitsFor} | {(f.Feeds is null ? "that stage" : $"`{f.Feeds}`")} {f.Awaits} |");
        foreach (var t in RunMessages.All.Except(Messages))
            lines.Add($"| `{t.Name}` | none | | {(typeof(IStageReport).IsAssignableFrom(t) ? "nothing; the ledger records it" : "nothing")} | |");
        lines.Add("");
        lines.Add($"A run is completed when `{Last}` completes, and failed when a stage fails.");
        return string.Join('\n', lines) + "\n";
    }
}
