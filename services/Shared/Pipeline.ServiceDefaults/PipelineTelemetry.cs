using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The pipeline's own spans and metrics, both named <see cref="Name"/>: a span per stage's work (one per shard of a sharded
/// stage) inside the trace MassTransit carries from message to message, so that a run is one trace from its ingest on;
/// and the numbers the stages already compute. <see cref="TelemetrySetup"/> decides where they go.
/// </summary>
public static class PipelineTelemetry
{
    public const string Name = "Pipeline";

    /// <summary>Span tags: which run, dataset, stage and shard a span worked on.</summary>
    public const string RunTag = "pipeline.run_id", DatasetTag = "pipeline.dataset", StageTag = "pipeline.stage", ShardTag = "pipeline.shard";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ImagesIngested = Meter.CreateCounter<long>("pipeline.ingest.images", "{image}", "Images packed into a dataset by ingest");
    public static readonly Counter<long> ImagesQuarantined = Meter.CreateCounter<long>("pipeline.ingest.quarantined", "{image}", "Entries of a drop left out, by reason code");
    public static readonly Histogram<double> TrainingImagesPerSecond = Meter.CreateHistogram<double>("pipeline.training.images_per_second", "{image}/s", "Training throughput, one value per epoch");
    public static readonly Histogram<double> TrainingLoss = Meter.CreateHistogram<double>("pipeline.training.loss", null, "Training loss at the end of each epoch");
    public static readonly Counter<long> SamplesDropped = Meter.CreateCounter<long>("pipeline.purify.dropped", "{image}", "Samples a purification dropped");
    public static readonly Gauge<long> IndexSize = Meter.CreateGauge<long>("pipeline.index.size", "{point}", "Points in the newest index collection");
    public static readonly Histogram<double> SearchDuration = Meter.CreateHistogram<double>("pipeline.search.duration", "s", "Time to answer one face search");

    /// <summary>
    /// The span of one stage's work on a run, a child of the current one (the consumed message's). With <paramref name="root"/>
    /// it starts the run's trace instead, linked to the message that asked for it: a drop's ingest is the root of its run.
    /// </summary>
    public static Activity? StartStage(string stage, string runId, string? dataset, int? shard = null, bool root = false, ActivityContext parent = default)
    {
        var links = root && Activity.Current is { } asked ? new[] { new ActivityLink(asked.Context) } : null;
        // Cleared so the span has no parent: called from an async consumer, whose end restores the bus's context.
        if (root) Activity.Current = null;
        var span = Source.StartActivity(stage, ActivityKind.Internal, parent, links: links);
        span?.SetTag(RunTag, runId).SetTag(DatasetTag, dataset).SetTag(StageTag, stage);
        if (shard is { } s) span?.SetTag(ShardTag, s);
        return span;
    }

    /// <summary>
    /// Marks a stage's span failed: Error status with <paramref name="reason"/> (the stage's failure as the run records it),
    /// and <paramref name="exception"/>, when one was thrown, as the span's exception event (type, message, stack).
    /// </summary>
    public static void Failed(this Activity? span, string reason, Exception? exception = null)
    {
        span?.SetStatus(ActivityStatusCode.Error, reason);
        if (exception is not null) span?.AddException(exception);
    }

    /// <summary>A measurement's tag.</summary>
    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    /// <summary>One epoch of a stage's training: its throughput and its loss.</summary>
    public static void EpochTrained(string stage, double imagesPerSecond, double loss)
    {
        TrainingImagesPerSecond.Record(imagesPerSecond, Tag(StageTag, stage));
        TrainingLoss.Record(loss, Tag(StageTag, stage));
    }
}
