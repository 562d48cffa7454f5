using System.Net;
using System.Net.Http.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class RunsApiTests(DashboardFixture fixture)
{
    private DashboardHost Host => fixture.Host;

    [Fact]
    public async Task A_diverging_stage_whose_loss_is_NaN_is_shown_with_its_progress()
    {
        var runId = RunScenarios.NewRunId("nan");
        var t0 = RunScenarios.Start();
        await Host.Bus.Publish(new TrainModel(runId, RunScenarios.Plan, Stages.SubCenter, new DatasetRef("ds", "ds/manifest.json"), 3, t0));
        await Host.Bus.Publish(new TrainingProgressed(runId, RunScenarios.Plan, Stages.SubCenter, 1, 3, 5, double.NaN, 0.1, 400, t0.AddSeconds(1)));

        var response = await Host.Http.GetAsync($"/api/runs/{runId}");
        for (var until = DateTime.UtcNow.AddSeconds(30); (await response.Content.ReadAsStringAsync()) is var body && !body.Contains("NaN") && DateTime.UtcNow < until; await Task.Delay(50))
            response = await Host.Http.GetAsync($"/api/runs/{runId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"loss\":\"NaN\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Run_details_show_each_stage_its_last_progress_and_why_it_failed()
    {
        var runId = RunScenarios.NewRunId("details");
        var t0 = RunScenarios.Start();
        const string reason = "models/x/final: loss is NaN at epoch 1 (learning rate 0.1 too high?)";
        int published = await RunScenarios.PublishFailedRunAsync(Host.Bus, runId, "ds-details", t0, reason);

        var run = await Host.WaitForRunAsync(runId, published);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(Stages.Final, run.CurrentStage);
        Assert.Equal("ds-details", run.DatasetId);
        Assert.Equal(RunScenarios.Plan, run.Plan);
        Assert.Equal(t0, run.CreatedAt);
        Assert.Equal(t0.AddSeconds(20), run.UpdatedAt);
        Assert.Equal([Stages.Ingest, Stages.SubCenter, Stages.Purify, Stages.Final], run.Stages.Select(s => s.Stage));

        var ingest = run.Stages[0];
        Assert.Equal(StageStatus.Completed, ingest.Status);
        Assert.Equal((t0, t0.AddSeconds(1), 1.0), (ingest.StartedAt, ingest.EndedAt, ingest.DurationSeconds));
        Assert.Equal(120, ingest.Detail?["samples"]?.GetValue<int>());

        var subcenter = run.Stages[1];
        Assert.Equal(StageStatus.Completed, subcenter.Status);
        // Queued at +2, first progress (its work starting) at +3, trained at +10.
        Assert.Equal((t0.AddSeconds(3), 7.0, 1.0), (subcenter.StartedAt, subcenter.DurationSeconds, subcenter.QueuedSeconds));
        Assert.Equal(new StageProgress(2, 3, 20, 4.25, 0.625, 410, t0.AddSeconds(4)), subcenter.Progress);
        Assert.Equal(0.875, subcenter.Detail?["metrics"]?["trainAccuracy"]?.GetValue<double>());
        Assert.Null(subcenter.FailureReason);

        var purify = run.Stages[2]; // announced only by its outcome: timed from the sub-center model it purified with
        Assert.Equal((t0.AddSeconds(10), t0.AddSeconds(12), 2.0), (purify.StartedAt, purify.EndedAt, purify.DurationSeconds));

        var final = run.Stages[3];
        Assert.Equal(StageStatus.Failed, final.Status);
        Assert.Equal(t0.AddSeconds(20), final.EndedAt);
        Assert.Equal((6.0, 1.0), (final.DurationSeconds, final.QueuedSeconds));
        Assert.Equal(1, final.Progress?.Epoch);
        Assert.Equal(reason, final.FailureReason);

        var failure = Assert.Single(run.Failures);
        Assert.Equal((Stages.Final, reason, t0.AddSeconds(20)), (failure.Stage, failure.Reason, failure.At));

        Assert.Equal(published, run.Events.Count);
        Assert.Equal(run.Events.OrderBy(e => e.At).Select(e => e.Id), run.Events.Select(e => e.Id));
        Assert.Equal(nameof(DatasetDropped), run.Events[0].MessageType);
        Assert.Equal(nameof(StageFailed), run.Events[^1].MessageType);
    }

    [Fact]
    public async Task A_running_stage_reports_its_duration_so_far()
    {
        var runId = RunScenarios.NewRunId("running");
        var t0 = RunScenarios.Start(minutesAgo: 2);
        await RunScenarios.PublishDroppedAsync(Host.Bus, runId, t0);

        var run = await Host.WaitForRunAsync(runId, 1);

        var ingest = Assert.Single(run.Stages);
        Assert.Equal(StageStatus.Started, ingest.Status);
        Assert.Null(ingest.EndedAt);
        Assert.InRange(ingest.DurationSeconds, 110, 600);
        Assert.Equal(RunStatus.Running, run.Status);
    }

    [Fact]
    public async Task A_stage_waiting_for_a_trainer_reports_its_wait_not_work()
    {
        var runId = RunScenarios.NewRunId("waiting");
        var t0 = RunScenarios.Start(minutesAgo: 2);
        await Host.Bus.Publish(new TrainModel(runId, RunScenarios.Plan, Stages.Baseline, new DatasetRef("ds-wait", "ds-wait/manifest.json"), 1, t0));

        var run = await Host.WaitForRunAsync(runId, 1);

        var baseline = Assert.Single(run.Stages);
        Assert.Equal(StageStatus.Queued, baseline.Status);
        Assert.Equal(0.0, baseline.DurationSeconds);
        Assert.InRange(baseline.QueuedSeconds, 110, 600);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first()
    {
        var older = RunScenarios.NewRunId("older");
        var newer = RunScenarios.NewRunId("newer");
        var t0 = RunScenarios.Start(minutesAgo: 30);
        // The newer run is published first, so the order comes from the runs' times, not from arrival.
        await RunScenarios.PublishDroppedAsync(Host.Bus, newer, t0.AddMinutes(1));
        await RunScenarios.PublishDroppedAsync(Host.Bus, older, t0);
        await Host.WaitForRunAsync(newer, 1);
        await Host.WaitForRunAsync(older, 1);

        var runs = await Host.Http.GetFromJsonAsync<List<RunSummary>>("/api/runs", TestJson.Web);

        Assert.NotNull(runs);
        var ids = runs.Select(r => r.RunId).ToList();
        Assert.True(ids.IndexOf(newer) < ids.IndexOf(older), $"expected {newer} before {older} in: {string.Join(", ", ids)}");
        Assert.Equal(runs.OrderByDescending(r => r.CreatedAt).Select(r => r.CreatedAt), runs.Select(r => r.CreatedAt));
        var listed = runs.Single(r => r.RunId == older);
        Assert.Equal((RunStatus.Running, Stages.Ingest, RunScenarios.Plan), (listed.Status, listed.CurrentStage, listed.Plan));
    }

    [Fact]
    public async Task An_unknown_run_is_not_found()
    {
        var response = await Host.Http.GetAsync("/api/runs/no-such-run");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-run", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_limit_is_refused()
    {
        var response = await Host.Http.GetAsync("/api/runs?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_page_is_served_from_the_assembly()
    {
        var response = await Host.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>Pipeline dashboard</title>", html);
        // Served on a machine without internet: nothing may come from elsewhere.
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }
}
