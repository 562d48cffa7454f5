using System.Net;
using System.Net.Http.Json;
using Pipeline.Contracts;
using Pipeline.Infra.Ledger;

namespace Pipeline.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class RetrainApiTests(DashboardFixture fixture)
{
    private DashboardHost Host => fixture.Host;

    private Task<HttpResponseMessage> PostAsync(string path, object? body, string? key = DashboardHost.ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return Host.Http.SendAsync(request);
    }

    private async Task<string> IngestedRunAsync(string label, string datasetId)
    {
        var runId = RunScenarios.NewRunId(label);
        int n = await RunScenarios.PublishFailedRunAsync(Host.Bus, runId, datasetId, RunScenarios.Start(), "final: diverged");
        await Host.WaitForRunAsync(runId, n);
        return runId;
    }

    [Fact]
    public async Task The_retrain_form_offers_every_drop_score_a_plan_takes() =>
        Assert.Equal(DropScores.All, await Host.Http.GetFromJsonAsync<string[]>("/api/drop-scores"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-key")]
    public async Task Retrain_without_the_key_is_forbidden(string? key)
    {
        var runId = await IngestedRunAsync("nokey", "ds-nokey");

        var forRun = await PostAsync($"/api/runs/{runId}/retrain", new { epochs = 2 }, key);
        var forDataset = await PostAsync("/api/retrain", new { datasetId = "ds-nokey" }, key);

        Assert.Equal(HttpStatusCode.Forbidden, forRun.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forDataset.StatusCode);
        Assert.DoesNotContain(Host.Retrains.All, r => r.DatasetId == "ds-nokey");
    }

    [Fact]
    public async Task Retrain_of_a_run_publishes_its_dataset_with_its_plan_and_the_overrides()
    {
        var runId = await IngestedRunAsync("retrain", "ds-retrain");
        var requestId = "req-" + Guid.NewGuid().ToString("N");

        var response = await PostAsync($"/api/runs/{runId}/retrain", new { requestId, epochs = 5, dropThreshold = 70.0, seed = 11 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<RetrainAccepted>(TestJson.Web);
        Assert.NotNull(accepted);
        Assert.Equal((requestId, RunIds.FromKey(requestId), "ds-retrain"), (accepted.RequestId, accepted.RunId, accepted.DatasetId));
        Assert.Equal($"/api/runs/{accepted.RunId}", response.Headers.Location?.OriginalString);

        var published = await Host.Retrains.WaitForAsync(r => r.RequestId == requestId);
        Assert.Equal("ds-retrain", published.DatasetId);
        Assert.Equal("dashboard", published.RequestedBy);
        // The run's plan, changed only where asked; a drop angle means the angle rule.
        Assert.Equal(RunScenarios.Plan with { Epochs = 5, DropThreshold = 70, DropRule = DropRules.Angle, Seed = 11 }, published.Plan);
        Assert.Equal(accepted.Plan, published.Plan);

        // The ledger records the request as the new run's first line.
        var newRun = await Host.WaitForRunAsync(accepted.RunId, 1);
        Assert.Equal(("ds-retrain", Stages.Request), (newRun.DatasetId, newRun.CurrentStage));
    }

    [Fact]
    public async Task Retrain_without_a_request_id_gets_a_fresh_one_each_time()
    {
        var runId = await IngestedRunAsync("fresh", "ds-fresh");

        var first = await (await PostAsync($"/api/runs/{runId}/retrain", null)).Content.ReadFromJsonAsync<RetrainAccepted>(TestJson.Web);
        var second = await (await PostAsync($"/api/runs/{runId}/retrain", null)).Content.ReadFromJsonAsync<RetrainAccepted>(TestJson.Web);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first.RunId, second.RunId);
        var published = await Host.Retrains.WaitForAsync(r => r.RequestId == second.RequestId);
        Assert.Equal(RunScenarios.Plan, published.Plan);
    }

    [Fact]
    public async Task Retrain_of_a_dataset_uses_the_default_plan_and_the_overrides()
    {
        var requestId = "req-" + Guid.NewGuid().ToString("N");

        var response = await PostAsync("/api/retrain",
            new { datasetId = "ds-direct", requestId, epochs = 4, finalEpochs = 6, subCenters = 5, dropRule = "auto", dropThreshold = 80.0, dropScore = "class-mean" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var published = await Host.Retrains.WaitForAsync(r => r.RequestId == requestId);
        Assert.Equal(RunIds.FromKey(requestId), published.RunId);
        Assert.Equal("ds-direct", published.DatasetId);
        Assert.Equal(RunPlan.Default with { Epochs = 4, FinalEpochs = 6, SubCenters = 5, DropRule = DropRules.Auto, DropThreshold = 80, DropScore = DropScores.ClassMean }, published.Plan);
    }

    [Theory]
    [InlineData("""{"epochs": 3}""", "datasetId")]
    [InlineData("""{"datasetId": "d", "epochs": 0}""", "epochs")]
    [InlineData("""{"datasetId": "d", "finalEpochs": -1}""", "finalEpochs")]
    [InlineData("""{"datasetId": "d", "subCenters": 0}""", "subCenters")]
    [InlineData("""{"datasetId": "d", "dropRule": "sometimes"}""", "dropRule")]
    [InlineData("""{"datasetId": "d", "dropThreshold": 190}""", "dropThreshold")]
    [InlineData("""{"datasetId": "d", "dropScore": "nearest"}""", "dropScore")]
    [InlineData("""{"datasetId": "d", "dropNoisePosterior": 1}""", "dropNoisePosterior")]
    [InlineData("""{"datasetId": "d", "dropNoisePosterior": 0.9, "dropThreshold": 80}""", "dropNoisePosterior")]
    [InlineData("""{"datasetId": "d", "requestId": " "}""", "requestId")]
    [InlineData("""{"datasetId": "d", "epoch": 3}""", "epoch")]
    [InlineData("""{"datasetId": "d", "epochs": "many"}""", "request body")]
    public async Task Bad_retrain_bodies_are_refused_with_the_reason(string json, string named)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/retrain") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", DashboardHost.ApiKey);

        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void A_noise_posterior_moves_the_automatic_threshold_of_the_plan()
    {
        var plan = new RetrainBody { DropNoisePosterior = 0.9 }.Apply(RunPlan.Default);
        Assert.Equal(RunPlan.Default with { DropNoisePosterior = 0.9 }, plan);
        Assert.Equal(0.8, new RetrainBody { Epochs = 3 }.Apply(RunPlan.Default with { DropNoisePosterior = 0.8 }).DropNoisePosterior);
    }

    [Fact]
    public async Task Retrain_of_an_unknown_run_is_not_found()
    {
        var response = await PostAsync("/api/runs/no-such-run/retrain", new { epochs = 2 });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Retrain_of_a_run_not_yet_ingested_is_a_conflict()
    {
        var runId = RunScenarios.NewRunId("dropped");
        await RunScenarios.PublishDroppedAsync(Host.Bus, runId, RunScenarios.Start());
        await Host.WaitForRunAsync(runId, 1);

        var response = await PostAsync($"/api/runs/{runId}/retrain", new { epochs = 2 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("no ingested dataset", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A dashboard with no Pipeline:ApiKey: reads work, retrains are refused whatever the header says.</summary>
public sealed class NoApiKeyTests
{
    [Fact]
    public async Task Without_a_configured_key_retrain_is_forbidden()
    {
        await using var host = await DashboardHost.StartAsync(apiKey: "");

        var request = new HttpRequestMessage(HttpMethod.Post, "/api/retrain") { Content = JsonContent.Create(new { datasetId = "d" }) };
        request.Headers.Add("X-Api-Key", "");
        var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("not configured", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/runs")).StatusCode);
        var reach = await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/retrain");
        Assert.Equal((false, RetrainReach.NoKey), (reach.GetProperty("available").GetBoolean(), reach.GetProperty("reason").GetString()));
    }
}

/// <summary>
/// A dashboard whose in-memory bus reaches no trainer, as `pipeline dashboard` serves a root: a retrain is refused with
/// the reason (not accepted for a run that would never start), and the page's Retrain button says why before a click.
/// </summary>
public sealed class NoTrainerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Without_a_trainer_on_its_bus_retrain_is_refused_and_the_button_says_why()
    {
        await using var host = await DashboardHost.StartAsync(trainer: false);
        var runId = RunScenarios.NewRunId("no-trainer");
        await host.WaitForRunAsync(runId, await RunScenarios.PublishFailedRunAsync(host.Bus, runId, "ds-no-trainer", RunScenarios.Start(), "final: diverged"));

        var reach = await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/retrain");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{runId}/retrain") { Content = JsonContent.Create(new { epochs = 2 }) };
        request.Headers.Add("X-Api-Key", DashboardHost.ApiKey);
        using var response = await host.Http.SendAsync(request);

        Assert.Equal((false, RetrainReach.NoTrainer), (reach.GetProperty("available").GetBoolean(), reach.GetProperty("reason").GetString()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(RetrainReach.NoTrainer, (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetString());
        Assert.Single((await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/runs"))!); // no run was started

        await using var browser = await DashboardBrowser.OpenAsync();
        await browser.Page.GotoAsync($"{host.BaseAddress}#/runs/{runId}");
        await Microsoft.Playwright.Assertions.Expect(browser.Page.Locator("#retrain-unavailable")).ToHaveTextAsync(RetrainReach.NoTrainer);
        await Microsoft.Playwright.Assertions.Expect(browser.Page.Locator("#retrain-button")).ToBeDisabledAsync();
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("retrain-unavailable", browser.Page.Locator("#run-detail"))}");
    }
}
