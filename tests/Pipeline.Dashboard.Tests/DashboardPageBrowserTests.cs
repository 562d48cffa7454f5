using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Contracts;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>The page in a real browser (<see cref="DashboardBrowser"/>): runs, stages, the histogram and the retrain form.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPageBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private DashboardHost Host => fixture.Host;

    [Fact]
    public async Task Operator_sees_the_run_and_its_stages_and_retrains_it()
    {
        var runId = RunScenarios.NewRunId("browser");
        const string reason = "models/browser/final: loss is NaN at epoch 1";
        int n = await RunScenarios.PublishFailedRunAsync(Host.Bus, runId, "ds-browser", RunScenarios.Start(), reason);
        await Host.WaitForRunAsync(runId, n);

        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync(Host.BaseAddress.ToString());

        // The runs table (refreshed every 2 s) lists the run; a click opens it.
        var row = page.Locator($"#runs tbody tr[data-run-id='{runId}']");
        await Expect(row).ToContainTextAsync("ds-browser");
        await Expect(row).ToContainTextAsync("failed");
        await row.ClickAsync();

        await Expect(page.Locator("#detail-run-id")).ToHaveTextAsync(runId);
        var stages = page.Locator("#stages tbody tr");
        await Expect(stages).ToHaveCountAsync(4);
        await Expect(page.Locator("#stages tr[data-stage='ingest']")).ToContainTextAsync("120 samples");
        var subcenter = page.Locator("#stages tr[data-stage='subcenter']");
        await Expect(subcenter).ToContainTextAsync("completed");
        await Expect(subcenter).ToContainTextAsync("epoch 2/3");
        await Expect(subcenter).ToContainTextAsync("7.0 s (queued 1.0 s)");
        await Expect(subcenter.Locator(".bar > span")).ToHaveAttributeAsync("style", new Regex(@"width: 66\.7%"));
        var finalReason = page.Locator("#stages tr[data-stage='final'] .failure");
        await Expect(finalReason).ToHaveTextAsync(reason);
        await Expect(finalReason).ToHaveCSSAsync("color", "rgb(180, 35, 24)");
        await Expect(page.Locator("#detail-failures")).ToContainTextAsync(reason);

        // The purify stage's score histogram: 3 bins with kept samples, 2 with dropped ones, and the threshold.
        await Expect(page.Locator("#purify-histogram rect.kept")).ToHaveCountAsync(3);
        await Expect(page.Locator("#purify-histogram rect.dropped")).ToHaveCountAsync(2);
        await Expect(page.Locator("#purify-histogram line.threshold")).ToHaveCountAsync(1);
        await Expect(page.Locator("#purify-caption")).ToHaveTextAsync(
            "class-margin (whitened) · threshold 75.0° (gaussian mixture crossing) · kept 110 · dropped 10 · 5° bins");

        // A wrong key is refused and said so.
        await page.FillAsync("#api-key", "wrong-key");
        await page.ClickAsync("#retrain-button");
        await Expect(page.Locator("#retrain-result")).ToContainTextAsync("Retrain refused");

        // The right key, two epochs more than before and a fixed threshold of 95 on the class margin (what an
        // operator sets when the automatic threshold drops too much of a cleaner set): the new run's id is shown.
        await page.FillAsync("#api-key", DashboardHost.ApiKey);
        await page.FillAsync("#retrain-epochs", "5");
        await page.SelectOptionAsync("#retrain-score", "class-margin");
        await page.FillAsync("#retrain-angle", "95");
        await page.ClickAsync("#retrain-button");
        var newRun = page.Locator("#new-run-id");
        await Expect(newRun).ToHaveTextAsync(new Regex("^r-[0-9a-f]{16}$"));
        var newRunId = await newRun.TextContentAsync();

        var published = await Host.Retrains.WaitForAsync(r => r.RunId == newRunId);
        Assert.Equal(("ds-browser", 5, "dashboard"), (published.DatasetId, published.Plan.Epochs, published.RequestedBy));
        Assert.Equal((DropRules.Angle, 95.0, DropScores.ClassMargin), (published.Plan.DropRule, published.Plan.DropThreshold, published.Plan.EffectiveDropScore));
        Assert.Equal(DashboardHost.ApiKey, await page.EvaluateAsync<string>("localStorage.getItem('pipeline.dashboard.apiKey')"));

        // The new run shows up in the table, and its link opens it.
        await Expect(page.Locator($"#runs tbody tr[data-run-id='{newRunId}']")).ToBeVisibleAsync();
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("run-retrained")}");

        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("automatic");

        await newRun.ClickAsync();
        await Expect(page.Locator("#detail-run-id")).ToHaveTextAsync(newRunId!);
        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("95° (fixed)");
        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("class-margin (whitened)");
        await Expect(page.Locator("#stages tr[data-stage='request']")).ToContainTextAsync("requested by dashboard");
        Assert.True(browser.Refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", browser.Refused));
    }

    [Fact]
    public async Task A_running_stages_progress_and_curve_grow_without_a_reload()
    {
        var runId = RunScenarios.NewRunId("live");
        var t0 = RunScenarios.Start(minutesAgo: 1);
        await Host.WaitForRunAsync(runId, await RunScenarios.PublishTrainingAsync(Host.Bus, runId, "ds-live", t0));
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;
        int loads = 0;
        page.Load += (_, _) => loads++;

        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");

        var live = page.Locator("#curves [data-stage='subcenter'][data-live='true']");
        await Expect(live.Locator("svg[data-metric='loss'] circle")).ToHaveCountAsync(1);
        await Expect(live).ToContainTextAsync("training, epoch 1/3 (live)");

        // Later progress of the same epoch moves its point; the next epoch adds one. The page polls: no reload.
        await Host.Bus.Publish(new TrainingProgressed(runId, RunScenarios.Plan, Stages.SubCenter, 1, 3, 9, 8.0, 0.2, 400, t0.AddSeconds(2)));
        await Host.Bus.Publish(new TrainingProgressed(runId, RunScenarios.Plan, Stages.SubCenter, 2, 3, 15, 4.25, 0.625, 410, t0.AddSeconds(3)));
        await Host.WaitForRunAsync(runId, 4);
        await Expect(live.Locator("svg[data-metric='loss'] circle")).ToHaveCountAsync(2);
        await Expect(live.Locator("svg[data-metric='loss']")).ToContainTextAsync("loss: 4.250");
        await Expect(live.Locator("svg[data-metric='accuracy'] circle")).ToHaveCountAsync(2);
        await Expect(page.Locator("#curves svg[data-metric='keptFraction']")).ToHaveCountAsync(0); // not known until metrics.json
        await Expect(page.Locator("#stages tr[data-stage='subcenter']")).ToContainTextAsync("epoch 2/3");
        Assert.Equal(1, loads);
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("live-training", page.Locator("#run-detail"))}");
    }
}
