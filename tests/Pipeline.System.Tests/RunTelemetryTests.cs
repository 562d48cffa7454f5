using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Indexer;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Ledger;
using Pipeline.Ingest;
using Pipeline.Purifier;
using Pipeline.ServiceDefaults;
using Pipeline.Trainer;

namespace Pipeline.SystemTests;

/// <summary>
/// OpenTelemetry over a whole run in one process (in-memory bus, local blob store, embedded index, in-memory exporters):
/// a drop's run is one trace rooted at its ingest, the stages' spans follow the stage graph, and the metrics hold the run's numbers.
/// </summary>
public sealed class RunTelemetryTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-telemetry-").FullName;

    /// <summary>Adds the in-memory exporters to the host's OpenTelemetry providers.</summary>
    private sealed class InMemoryTelemetry(List<Activity> spans, List<MetricSnapshot> metrics) : ServiceModule
    {
        public override string Name => "telemetry-probe";

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        }
    }

    [Fact]
    public async Task A_drop_is_one_trace_rooted_at_its_ingest_with_the_stages_in_order_and_its_numbers_measured()
    {
        List<Activity> spans = [];
        List<MetricSnapshot> metrics = [];
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(_tmp, ("Pipeline:DropPollSeconds", "0.2"),
                ("Pipeline:Ingest:ShardSize", "40"), ("Pipeline:ProgressIntervalSeconds", "1"), ("Pipeline:ResumeAtStart", "false"),
                ("Logging:LogLevel:Default", "Warning"))),
            new InMemoryTelemetry(spans, metrics), new IngestModule(), new TrainerModule(), new PurifierModule(), new IndexerModule(), new LedgerModule());
        string runId, datasetId, probe;
        int images;
        const string alias = "telemetry-test";
        await using (app)
        {
            await app.StartAsync();
            var blobs = app.Services.GetRequiredService<IBlobStore>();

            // 8 identities x 8 images, a quarter misfiled, and one file that is not an image.
            var synth = Path.Combine(_tmp, "synth");
            new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 8, PerIdentity = 8, ClosedNoise = 0.25, HoldoutIdentities = 0, Seed = 3 })
                .Generate(synth, null, default);
            var files = Directory.EnumerateFiles(Path.Combine(synth, "train"), "*.jpg", SearchOption.AllDirectories).ToList();
            const string dropName = "telemetry-faces";
            foreach (var f in files)
                await blobs.UploadFileAsync(BlobContainers.Drops, $"{dropName}/{Path.GetRelativePath(Path.Combine(synth, "train"), f)}", f);
            await blobs.PutTextAsync(BlobContainers.Drops, $"{dropName}/id00001/broken.jpg", "not a jpeg");
            var plan = RunPlan.Default with { Epochs = 2, FinalEpochs = 2, BatchSize = 16, Seed = 3, IndexAlias = alias };
            await blobs.PutTextAsync(BlobContainers.Drops, $"{dropName}/plan.json", JsonSerializer.Serialize(plan));
            await blobs.PutTextAsync(BlobContainers.Drops, $"{dropName}/_READY", "{}");
            runId = RunIds.FromKey("drop:" + dropName);
            datasetId = DatasetIds.FromDropName(dropName);
            probe = files[0];
            images = files.Count;

            var ledger = app.Services.GetRequiredService<RunLedger>();
            RunDetails? run = null;
            for (var until = DateTime.UtcNow.AddMinutes(4); DateTime.UtcNow < until; await Task.Delay(250))
                if ((run = await ledger.GetRunAsync(runId))?.Run.Status is RunStatus.Completed or RunStatus.Failed) break;
            Assert.True(run?.Run.Status == RunStatus.Completed, $"run {runId}: {run?.Run.Status}: " + string.Join("; ", run?.Stages.Select(st => $"{st.Stage} {st.Status} {st.DetailJson}") ?? []));
            var found = await app.Services.GetRequiredService<FaceSearch>().SearchAsync(new SearchQuery(await File.ReadAllBytesAsync(probe), null, Alias: alias), default);
            Assert.NotEmpty(found.Matches);
            await app.StopAsync();
        } // disposing the host flushes both exporters

        // Other tests of this assembly may host stages at the same time: only this run's spans count.
        var stageSpans = spans.Where(s => s.Source.Name == PipelineTelemetry.Name && (string?)s.GetTagItem(PipelineTelemetry.RunTag) == runId)
            .OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Single(stageSpans.Select(s => s.TraceId).Distinct());
        Assert.Equal([Stages.Ingest, Stages.SubCenter, Stages.Purify, Stages.Final, Stages.Index], stageSpans.Select(s => s.DisplayName).Distinct());
        var ingest = Assert.Single(stageSpans, s => s.DisplayName == Stages.Ingest);
        Assert.Equal(default, ingest.ParentSpanId); // the run's root
        Assert.Equal(datasetId, ingest.GetTagItem(PipelineTelemetry.DatasetTag));
        Assert.Equal([0, 1], stageSpans.Where(s => s.DisplayName == Stages.Purify).Select(s => (int)s.GetTagItem(PipelineTelemetry.ShardTag)!).Distinct().Order());
        Assert.Equal([0, 1], stageSpans.Where(s => s.DisplayName == Stages.Index).Select(s => (int)s.GetTagItem(PipelineTelemetry.ShardTag)!).Distinct().Order());
        // MassTransit's spans of the run's messages are in the same trace: the trace went across the bus.
        Assert.Contains(spans, s => s.Source.Name == "MassTransit" && s.TraceId == ingest.TraceId && s.DisplayName.Contains(nameof(ModelTrained)));

        List<MetricPoint> Points(string name, string? tag = null, object? value = null)
        {
            var last = metrics.LastOrDefault(m => m.Name == name);
            Assert.True(last is not null, $"{name} was not recorded");
            return last.MetricPoints.Where(p => tag is null || Tags(p).TryGetValue(tag, out var v) && Equals(v, value)).ToList();
        }
        Assert.Equal(images, Assert.Single(Points("pipeline.ingest.images", PipelineTelemetry.DatasetTag, datasetId)).GetSumLong());
        Assert.True(Points("pipeline.ingest.quarantined").Sum(p => p.GetSumLong()) >= 1, "the broken file was quarantined");
        var dropped = Assert.Single(Points("pipeline.purify.dropped", PipelineTelemetry.DatasetTag, datasetId)).GetSumLong();
        Assert.InRange(dropped, 1, images - 1);
        Assert.Equal(images - dropped, Assert.Single(Points("pipeline.index.size", "pipeline.alias", alias)).GetGaugeLastValueLong());
        foreach (var stage in new[] { Stages.SubCenter, Stages.Final })
        {
            var speed = Assert.Single(Points("pipeline.training.images_per_second", PipelineTelemetry.StageTag, stage));
            Assert.Equal(2, speed.GetHistogramCount()); // one per epoch
            Assert.True(speed.GetHistogramSum() > 0);
            var loss = Assert.Single(Points("pipeline.training.loss", PipelineTelemetry.StageTag, stage));
            Assert.Equal(2, loss.GetHistogramCount());
            Assert.True(double.IsFinite(loss.GetHistogramSum()) && loss.GetHistogramSum() > 0);
        }
        var search = Assert.Single(Points("pipeline.search.duration"));
        Assert.Equal(1, search.GetHistogramCount());
        Assert.InRange(search.GetHistogramSum(), 1e-6, 60);
    }

    /// <summary>A host of <paramref name="modules"/> under the test's folder whose spans go to <paramref name="spans"/>.</summary>
    private WebApplication Host(List<Activity> spans, params ServiceModule[] modules) =>
        PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(_tmp, ("Logging:LogLevel:Default", "Warning"))),
            [new InMemoryTelemetry(spans, []), .. modules]);

    /// <summary>The first span that matches, waiting for it: read while the exporter may be adding, so by index, never enumerated.</summary>
    private static async Task<Activity> SpanAsync(List<Activity> spans, Func<Activity, bool> match, string what)
    {
        for (var until = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < until; await Task.Delay(100))
            for (int i = 0; i < spans.Count; i++)
                if (spans[i] is { } span && match(span)) return span;
        throw new TimeoutException($"no span of {what} within 2 min");
    }

    [Fact]
    public async Task A_search_request_is_a_span_in_its_callers_trace_and_the_health_probe_is_none()
    {
        List<Activity> spans = [];
        var (caller, callerSpan) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var app = Host(spans, new IndexerModule());
        await using (app)
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            using var search = new HttpRequestMessage(HttpMethod.Post, "/api/search") { Content = JsonContent.Create(new { vector = new[] { 1f }, alias = "none" }) };
            search.Headers.Add("traceparent", $"00-{caller}-{callerSpan}-01");
            Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(search)).StatusCode);
            using var health = new HttpRequestMessage(HttpMethod.Get, PipelineHost.HealthPath);
            health.Headers.Add("traceparent", $"00-{caller}-{callerSpan}-01");
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(health)).StatusCode);
            await app.StopAsync();
        }

        // Other tests' hosts in this process are seen by every provider's instrumentation: only the caller's trace counts.
        var request = Assert.Single(spans, s => s.TraceId == caller);
        Assert.Equal("Microsoft.AspNetCore", request.Source.Name);
        Assert.Equal(callerSpan, request.ParentSpanId);
        Assert.Equal("/api/search", request.GetTagItem("http.route"));
        Assert.Equal(400, request.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task A_stage_that_throws_ends_its_span_with_error_status_and_the_exception()
    {
        List<Activity> spans = [];
        const string runId = "r-telemetry-throws";
        var app = Host(spans, new IndexerModule());
        await using (app)
        {
            await app.StartAsync();
            await app.Services.GetRequiredService<IBus>().Publish(new IndexShard(runId, RunPlan.Default, new ModelRef(runId, Stages.Final, "none"),
                new DatasetRef("ds-missing", BlobPaths.DatasetManifest("ds-missing")), 0, 1));
            await SpanAsync(spans, s => (string?)s.GetTagItem(PipelineTelemetry.RunTag) == runId, "the index shard");
            await app.StopAsync();
        }

        var span = spans.First(s => (string?)s.GetTagItem(PipelineTelemetry.RunTag) == runId);
        Assert.Equal(Stages.Index, span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        var exception = Assert.Single(span.Events, e => e.Name == "exception");
        var message = exception.Tags.Single(t => t.Key == "exception.message").Value;
        Assert.Equal(span.StatusDescription, message);
        Assert.Contains("ds-missing", (string)message!);
        Assert.Contains(exception.Tags, t => t.Key == "exception.type" && t.Value is string { Length: > 0 });
    }

    [Fact]
    public async Task A_training_job_resumed_by_the_rescan_stays_in_its_runs_trace_and_its_failure_is_its_spans_error()
    {
        List<Activity> spans = [];
        const string runId = "r-telemetry-resumed";
        var (trace, parent) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var app = Host(spans, new TrainerModule());
        await using (app)
        {
            // What an instance that accepted the job and then died left behind: the job and the trace it was accepted in.
            var blobs = app.Services.GetRequiredService<IBlobStore>();
            var job = new TrainModel(runId, RunPlan.Default, Stages.SubCenter, new DatasetRef("ds-gone", BlobPaths.DatasetManifest("ds-gone")), 3, DateTimeOffset.UtcNow);
            await blobs.PutTextAsync(BlobContainers.Models, JobPaths.TraceParent(runId, job.Stage), $"00-{trace}-{parent}-01");
            await blobs.PutTextAsync(BlobContainers.Models, JobPaths.Job(runId, job.Stage), JsonSerializer.Serialize(job, PipelineJson.Options));
            await app.StartAsync(); // the rescan runs at start
            await SpanAsync(spans, s => (string?)s.GetTagItem(PipelineTelemetry.RunTag) == runId, "the resumed job");
            await app.StopAsync();
        }

        var span = spans.First(s => (string?)s.GetTagItem(PipelineTelemetry.RunTag) == runId);
        Assert.Equal(Stages.SubCenter, span.DisplayName);
        Assert.Equal(trace, span.TraceId);
        Assert.Equal(parent, span.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains("ds-gone", span.StatusDescription); // the reason the run records
    }

    private static Dictionary<string, object?> Tags(MetricPoint p)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var t in p.Tags) tags[t.Key] = t.Value;
        return tags;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }
}
