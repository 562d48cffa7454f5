using MassTransit;
using Pipeline.Contracts;

namespace Pipeline.Dashboard.Tests;

/// <summary>Real contract events of a run, published on the bus as the services would publish them.</summary>
public static class RunScenarios
{
    public static readonly RunPlan Plan = RunPlan.Default with { Epochs = 3, FinalEpochs = 2, Seed = 7 };

    public static string NewRunId(string label) => $"test-{label}-{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>
    /// Ingest, sub-center training (two progress reports), purification, then the final stage fails after one
    /// epoch: 10 events, t0 .. t0+20 s.
    /// </summary>
    public static async Task<int> PublishFailedRunAsync(IBus bus, string runId, string datasetId, DateTimeOffset t0, string reason)
    {
        var dataset = new DatasetRef(datasetId, $"{datasetId}/manifest.json");
        var subcenter = new ModelRef(runId, Stages.SubCenter, $"{runId}/{Stages.SubCenter}/final/");
        object[] events =
        [
            new DatasetDropped(runId, Plan, "celebs", t0),
            new DatasetIngested(runId, Plan, dataset, Samples: 120, Identities: 12, Quarantined: 3, t0.AddSeconds(1)),
            new TrainModel(runId, Plan, Stages.SubCenter, dataset, SubCenters: 3, t0.AddSeconds(2)),
            new TrainingProgressed(runId, Plan, Stages.SubCenter, 1, 3, 10, 9.5, 0.10, 400, t0.AddSeconds(3)),
            new TrainingProgressed(runId, Plan, Stages.SubCenter, 2, 3, 20, 4.25, 0.625, 410, t0.AddSeconds(4)),
            new ModelTrained(runId, Plan, Stages.SubCenter, subcenter, dataset, 3, new TrainingMetrics(3, 2.5, 0.875, DurationSeconds: 8), t0.AddSeconds(10)),
            new DatasetPurified(runId, Plan, dataset with { ManifestPath = $"{datasetId}/purified-{runId}/manifest.json" },
                $"{datasetId}/purified-{runId}/report.json", Kept: 110, Dropped: 10, ThresholdDegrees: 75, t0.AddSeconds(12),
                new ScoreDistribution("class-margin", true, 60, 5, [20, 50, 40, 0], [0, 0, 2, 8], "gaussian mixture crossing")),
            new TrainModel(runId, Plan, Stages.Final, dataset, SubCenters: 1, t0.AddSeconds(13)),
            new TrainingProgressed(runId, Plan, Stages.Final, 1, 2, 10, 7.0, 0.25, 300, t0.AddSeconds(14)),
            new StageFailed(runId, Plan, Stages.Final, reason, t0.AddSeconds(20)),
        ];
        foreach (var e in events) await bus.Publish(e, e.GetType());
        return events.Length;
    }

    /// <summary>Sub-center training queued at t0, then its first progress report (epoch 1 of 3, loss 9.5) a second later: 2 events.</summary>
    public static async Task<int> PublishTrainingAsync(IBus bus, string runId, string datasetId, DateTimeOffset t0)
    {
        var dataset = new DatasetRef(datasetId, $"{datasetId}/manifest.json");
        await bus.Publish(new TrainModel(runId, Plan, Stages.SubCenter, dataset, 3, t0));
        await bus.Publish(new TrainingProgressed(runId, Plan, Stages.SubCenter, 1, 3, 5, 9.5, 0.1, 400, t0.AddSeconds(1)));
        return 2;
    }

    /// <summary>A drop that was seen but not ingested yet: the run has no dataset.</summary>
    public static Task PublishDroppedAsync(IBus bus, string runId, DateTimeOffset at) =>
        bus.Publish(new DatasetDropped(runId, Plan, "fresh-drop", at));

    /// <summary>A fixed start a little in the past, whole seconds, so durations are exact.</summary>
    public static DateTimeOffset Start(int minutesAgo = 10)
    {
        var t = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo);
        return new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }
}
