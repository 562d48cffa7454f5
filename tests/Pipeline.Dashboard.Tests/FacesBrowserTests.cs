using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>What an operator sees of a run's faces, and of its failure, in a real browser (<see cref="DashboardBrowser"/>).</summary>
[Collection(DashboardCollection.Name)]
public sealed class FacesBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private DashboardHost Host => fixture.Host;

    [Fact]
    public async Task Operator_sees_the_dropped_faces_by_reason_beside_typical_ones_and_the_quarantined_file()
    {
        var data = await fixture.Gallery;
        var runId = RunScenarios.NewRunId("faces");
        int n = await data.PublishPurifiedRunAsync(Host, runId, data.Report(), RunScenarios.Start(minutesAgo: 1)); // recent: not stalled
        await Host.WaitForRunAsync(runId, n);
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;
        var thumbnails = new List<(string Url, int Status)>();
        page.Response += (_, r) => { if (r.Url.Contains("/samples/") || r.Url.Contains("/examples/")) lock (thumbnails) thumbnails.Add((r.Url, r.Status)); };

        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");

        // Dropped faces, worst first, with their counts per reason.
        int dropped = GalleryScenario.DroppedNonDominant + GalleryScenario.DroppedOverThreshold;
        var faces = page.Locator("#gallery .face.drop");
        await Expect(faces).ToHaveCountAsync(dropped);
        await Expect(page.Locator("#failure-banner")).ToBeHiddenAsync();
        await Expect(page.Locator("#gallery-reasons [data-reason='non-dominant-subcenter']")).ToHaveAttributeAsync("data-count", $"{GalleryScenario.DroppedNonDominant}");
        await Expect(page.Locator("#gallery-reasons [data-reason='over-threshold']")).ToHaveAttributeAsync("data-count", $"{GalleryScenario.DroppedOverThreshold}");
        await Expect(page.Locator("#gallery-range")).ToHaveTextAsync($"1–{dropped} of {dropped}");
        await Expect(faces.First).ToContainTextAsync($"filed under {GalleryScenario.Identity(2)}");
        await Expect(faces.First).ToContainTextAsync("class-margin 90.0° dropped: over the threshold");
        // Each drop shows its identity's typical faces: id2 and id0 kept 3 or more, id1 five.
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#gallery img.thumb"), 112, dropped);
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#gallery img.typical-face"), 112, dropped * 3);

        // The sub-center stage's curves: one point per epoch for loss, accuracy, img/s and the kept fraction.
        foreach (var metric in new[] { "loss", "accuracy", "imagesPerSecond", "keptFraction" })
            await Expect(page.Locator($"#curves [data-stage='subcenter'] svg[data-metric='{metric}'] circle")).ToHaveCountAsync(GalleryScenario.SubCenterHistory.Length);
        await Expect(page.Locator("#curves svg[data-metric='keptFraction']")).ToContainTextAsync("kept fraction (self-purification): 83.3%"); // 20 of 24
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("training-curves", page.Locator("#curves-block"))}");

        // Identities by drop rate, and a click filters the gallery by one.
        await Expect(page.Locator("#identities tbody tr").First).ToContainTextAsync($"{GalleryScenario.Identity(2)}33"); // kept 3, dropped 3
        await Expect(page.Locator("#identities tbody tr").First).ToContainTextAsync("50.0%");

        // The quarantine lists the planted file with its reason; the ingest examples show photos beside crops or reasons.
        var planted = page.Locator($"#quarantine tr[data-path='{GalleryScenario.PlantedFile}']");
        await Expect(planted).ToContainTextAsync(QuarantineReasons.NotAnImage);
        await Expect(page.Locator($"#quarantine-codes [data-code='{QuarantineReasons.NotAnImage}']")).ToHaveAttributeAsync("data-count", "1");
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#examples img"), 112, 3);
        await Expect(page.Locator($"#examples [data-outcome='{QuarantineReasons.NoFace}']")).ToContainTextAsync("no-face: no face found");

        lock (thumbnails) Assert.All(thumbnails, t => Assert.True(t.Status == 200, $"{t.Url}: HTTP {t.Status}"));
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("purified-faces", page.Locator("#gallery-block"))}");
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("quarantine", page.Locator("#quarantine-block"))}");
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("run-with-faces")}");

        // Filters: a reason, an identity, a histogram bin.
        await page.ClickAsync("#gallery-reasons [data-reason='over-threshold']");
        await Expect(faces).ToHaveCountAsync(GalleryScenario.DroppedOverThreshold);
        await page.Locator("#identities button.identity").First.ClickAsync();
        await Expect(page.Locator("#gallery .face")).ToHaveCountAsync(GalleryScenario.PerIdentity);
        await Expect(page.Locator("#gallery-filters")).ToContainTextAsync($"identity {GalleryScenario.Identity(2)}");
        await page.ClickAsync("#gallery-clear");
        await page.Locator("#purify-histogram rect.dropped").Last.ClickAsync(); // the 90-100 bin: the three 90s
        await Expect(page.Locator("#gallery .face")).ToHaveCountAsync(3);
        await Expect(page.Locator("#gallery-filters")).ToContainTextAsync("score 90°–100°");
        Assert.True(browser.Refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", browser.Refused));
    }

    [Fact]
    public async Task A_large_report_is_paged_by_the_api_and_the_page_shows_one_page_at_a_time()
    {
        var data = await fixture.Gallery;
        var runId = RunScenarios.NewRunId("large");
        int n = await data.PublishPurifiedRunAsync(Host, runId, data.LargeReport(20_000), RunScenarios.Start(minutesAgo: 1));
        await Host.WaitForRunAsync(runId, n);
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;
        var galleryRequests = new List<string>();
        page.Request += (_, r) => { if (r.Url.Contains("/purification?")) lock (galleryRequests) galleryRequests.Add(r.Url); };

        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");

        await Expect(page.Locator("#gallery-range")).ToHaveTextAsync("1–48 of 2,000");
        await Expect(page.Locator("#gallery .face")).ToHaveCountAsync(48);
        await Expect(page.Locator("#identities-range")).ToHaveTextAsync("1–20 of 1,000");
        await Expect(page.Locator("#gallery-prev")).ToBeDisabledAsync();
        var lastOfFirst = await ScoreOf(page.Locator("#gallery .face").Last);
        await page.ClickAsync("#gallery-next");
        await Expect(page.Locator("#gallery-range")).ToHaveTextAsync("49–96 of 2,000");
        Assert.True(await ScoreOf(page.Locator("#gallery .face").First) <= lastOfFirst, "page 2 starts below where page 1 ended");
        await page.ClickAsync("#identities-next");
        await Expect(page.Locator("#identities-range")).ToHaveTextAsync("21–40 of 1,000");
        lock (galleryRequests) Assert.All(galleryRequests, u => Assert.Contains("limit=48", u));
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("large-report-page-2", page.Locator("#gallery-block"))}");
    }

    private static async Task<double> ScoreOf(ILocator face) =>
        double.Parse(Regex.Match(await face.InnerTextAsync(), @"class-margin (\d+(\.\d+)?)°").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_failed_stage_shows_its_reason_first_with_the_events_that_led_to_it()
    {
        var runId = RunScenarios.NewRunId("failed");
        const string reason = "models/x/final: loss is NaN at epoch 1 (learning rate 0.1 too high?)";
        int n = await RunScenarios.PublishFailedRunAsync(Host.Bus, runId, "ds-failed", RunScenarios.Start(), reason);
        await Host.WaitForRunAsync(runId, n);
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");

        var banner = page.Locator("#failure-banner");
        await Expect(banner.Locator(".headline")).ToHaveTextAsync("Stage final failed");
        await Expect(banner.Locator(".why")).ToHaveTextAsync(reason);
        var leadup = banner.Locator("ol li");
        await Expect(leadup).ToHaveCountAsync(6);
        await Expect(leadup.Last).ToContainTextAsync("final · failed · StageFailed");
        await Expect(leadup.Nth(4)).ToContainTextAsync("final · progress · TrainingProgressed");
        await Expect(page.Locator("#gallery-block")).ToBeHiddenAsync(); // purified, but no report stored
        var (bannerBox, stagesBox) = (await banner.BoundingBoxAsync(), await page.Locator("#stages").BoundingBoxAsync());
        Assert.True(bannerBox!.Y < stagesBox!.Y, "the failure is shown above the stages");
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("failed-stage", page.Locator("#run-detail"))}");
    }

    [Fact]
    public async Task A_stage_that_went_quiet_is_shown_as_stalled()
    {
        var runId = RunScenarios.NewRunId("stalled");
        await Host.WaitForRunAsync(runId, await RunScenarios.PublishTrainingAsync(Host.Bus, runId, "ds-stalled", RunScenarios.Start(minutesAgo: 12)));
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");

        var banner = page.Locator("#failure-banner.stalled");
        await Expect(banner.Locator(".headline")).ToHaveTextAsync("Stage subcenter stalled");
        await Expect(banner.Locator(".why")).ToContainTextAsync("no event for 12 m");
        await Expect(banner.Locator("ol li")).ToHaveCountAsync(2);
    }
}
