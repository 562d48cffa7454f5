using Pipeline.TestSupport;

namespace Pipeline.Contracts.Tests;

public sealed class StageGraphTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DatasetRef Raw = new("celebs", "celebs/manifest.json");
    private static readonly TrainingMetrics Metrics = new(2, 1.5, 0.9);

    private static ModelTrained Trained(string stage) =>
        new("r-1", RunPlan.Default, stage, new ModelRef("r-1", stage, $"r-1/{stage}/final.pt"), Raw, 1, Metrics, T0);

    [Fact]
    public void A_run_goes_from_its_drop_through_training_and_purification_to_its_index()
    {
        var plan = RunPlan.Default;
        var model = new ModelRef("r-1", Stages.Final, "r-1/final/final.pt");
        Assert.Equal([Stages.Ingest], StageGraph.Fed(new DatasetDropped("r-1", plan, "celebs", T0)));
        Assert.Equal([Stages.SubCenter], StageGraph.Fed(new DatasetIngested("r-1", plan, Raw, 10, 2, 0, T0)));
        Assert.Equal([Stages.SubCenter, Stages.Baseline], StageGraph.Fed(new DatasetIngested("r-1", plan with { Baseline = true }, Raw, 10, 2, 0, T0)));
        Assert.Equal([Stages.SubCenter], StageGraph.Fed(new RetrainRequested("req-1", "celebs", plan, "test", T0)));
        Assert.Equal([Stages.Final], StageGraph.Fed(new TrainModel("r-1", plan, Stages.Final, Raw, 1, T0)));
        Assert.Equal([Stages.Purify], StageGraph.Fed(Trained(Stages.SubCenter)));
        Assert.Equal([Stages.Purify], StageGraph.Fed(new PurifyShard("r-1", plan, model, Raw, 0, 2)));
        Assert.Equal([Stages.Final], StageGraph.Fed(new DatasetPurified("r-1", plan, Raw, "report.json", 9, 1, 0.5, T0)));
        Assert.Equal([Stages.Index], StageGraph.Fed(Trained(Stages.Final)));
        Assert.Equal([Stages.Index], StageGraph.Fed(new IndexShard("r-1", plan, model, Raw, 0, 2)));
        // A baseline ends its branch; outcomes, progress and failures feed nothing.
        Assert.Empty(StageGraph.Fed(Trained(Stages.Baseline)));
        Assert.Empty(StageGraph.Fed(new IndexPublished("r-1", plan, model, "faces-r-1", "faces", 9, T0)));
        Assert.Empty(StageGraph.Fed(new StageFailed("r-1", plan, Stages.Purify, "why", T0)));
        Assert.Empty(StageGraph.Fed(new TrainingProgressed("r-1", plan, Stages.Final, 1, 2, 3, 1, 0.5, 100, T0)));
        Assert.Equal(Stages.Index, StageGraph.Last);
    }

    [Fact]
    public void Purify_and_index_are_fed_by_the_model_they_work_on_and_queued_stages_by_nothing()
    {
        Assert.Equal((Stages.SubCenter, Stages.Final), (StageGraph.FedBy(Stages.Purify), StageGraph.FedBy(Stages.Index)));
        foreach (var stage in new[] { Stages.Ingest, Stages.SubCenter, Stages.Baseline, Stages.Final })
            Assert.Null(StageGraph.FedBy(stage));
    }

    [Fact]
    public void Every_edge_names_known_stages_and_every_message_carries_its_run()
    {
        var stages = typeof(Stages).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        foreach (var f in StageGraph.Edges)
        {
            Assert.True(typeof(IRunMessage).IsAssignableFrom(f.Message), f.Message.Name);
            Assert.Subset(stages, new[] { f.From, f.Feeds }.OfType<string>().ToHashSet());
            Assert.Contains(f.Awaits, new[] { StageStatus.Queued, StageStatus.Completed });
            Assert.False(string.IsNullOrWhiteSpace(f.WaitsFor));
        }
        // A record that carries a run's plan is a message of the run: it cannot be left out of the ledger by forgetting the interface.
        var carriers = typeof(RunPlan).Assembly.GetTypes().Where(t => t.IsClass && t.GetProperty(nameof(IRunMessage.Plan))?.PropertyType == typeof(RunPlan));
        Assert.Equal(carriers.OrderBy(t => t.Name), RunMessages.All);
    }

    private const string Begin = "<!-- stage-graph: begin -->";
    private const string End = "<!-- stage-graph: end -->";

    [Fact]
    public void The_architecture_doc_shows_the_graph_as_it_is()
    {
        var path = Path.Combine(RepoPaths.Root, "docs", "ARCHITECTURE.md");
        var doc = File.ReadAllText(path);
        int begin = doc.IndexOf(Begin, StringComparison.Ordinal), end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"{path}: no {Begin} ... {End} section for the stage graph");
        var shown = doc[(begin + Begin.Length)..end].Trim('\n');
        var graph = StageGraph.Markdown().Trim('\n');
        if (shown != graph && Environment.GetEnvironmentVariable("PIPELINE_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, doc[..(begin + Begin.Length)] + "\n" + graph + "\n" + doc[end..]);
            return;
        }
        Assert.True(shown == graph,
            $"{path} shows another stage graph than StageGraph.cs; write it again with: PIPELINE_WRITE_DOCS=1 dotnet test tests/Pipeline.Contracts.Tests --filter StageGraph\n{graph}");
    }
}
