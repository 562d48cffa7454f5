using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Contracts;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium (apt-get install -y chromium), driven by Playwright.
/// Playwright's own browser download is never used: this machine has no internet.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPageBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private DashboardHost Host => fixture.Host;

    [Fact]
    public async Task Operator_sees_the_run_and_its_stages_and_retrains_it()
    {
        Assert.True(File.Exists(ChromiumPath),
            $"{ChromiumPath} not found: the dashboard's browser test needs Debian's Chromium. Install it with `apt-get install -y chromium` (test.sh does).");

        var runId = RunScenarios.NewRunId("browser");
        const string reason = "models/browser/final: loss is NaN at epoch 1";
        int n = await RunScenarios.PublishFailedRunAsync(Host.Bus, runId, "ds-browser", RunScenarios.Start(), reason);
        await Host.WaitForRunAsync(runId, n);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        // The page runs under its content security policy: anything it refused shows up as a console error.
        var refused = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy")) lock (refused) refused.Add(m.Text); };
        page.SetDefaultTimeout(20_000);
        SetDefaultExpectTimeout(20_000); // generous: CI runs other test assemblies beside this one on 2 cores

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
        var screenshot = Path.Combine(Path.GetTempPath(), $"dashboard-{runId}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 0, $"{screenshot}: empty screenshot");

        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("automatic");

        await newRun.ClickAsync();
        await Expect(page.Locator("#detail-run-id")).ToHaveTextAsync(newRunId!);
        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("95° (fixed)");
        await Expect(page.Locator("#detail-plan")).ToContainTextAsync("class-margin (whitened)");
        await Expect(page.Locator("#stages tr[data-stage='request']")).ToContainTextAsync("requested by dashboard");
        lock (refused) Assert.True(refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", refused));
    }
}
