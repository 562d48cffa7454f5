using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Pipeline.VectorIndex;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The search page, the index panel and an identity's page in a real browser (<see cref="DashboardBrowser"/>), over runs
/// the real Indexer indexed (<see cref="GalleryScenario.PublishIndexedRunAsync"/>) and the search API beside the dashboard.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class SearchBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private DashboardHost Host => fixture.Host;

    /// <summary>Samples the report keeps: every one but <see cref="GalleryScenario.Drops"/>.</summary>
    private static int Kept => GalleryScenario.Identities * GalleryScenario.PerIdentity - GalleryScenario.Drops.Values.Sum(d => d.Length);

    [Fact]
    public async Task An_uploaded_photo_finds_its_identity_first_against_the_serving_alias_and_a_picked_sample_its_own()
    {
        var data = await fixture.Gallery;
        var runId = await fixture.ServedRun;
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync($"{Host.BaseAddress}#/search");

        // The index panel: the serving alias, its collection, the model that embedded it, its points and when it switched.
        var serving = page.Locator($"#aliases tr[data-alias='{CollectionNames.ServingAlias}']");
        await Expect(serving).ToHaveAttributeAsync("data-collection", CollectionNames.ForModel(runId));
        await Expect(serving).ToContainTextAsync(runId);
        await Expect(serving.Locator("td").Nth(3)).ToHaveTextAsync($"{Kept}");
        await Expect(serving.Locator("td.switched")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(published\)$"));
        await Expect(page.Locator("#search-target")).ToHaveValueAsync($"alias:{CollectionNames.ServingAlias}");

        // The original photo of a kept sample, uploaded: its identity ranks first, its own sample first among the matches.
        await page.SetInputFilesAsync("#search-file", new FilePayload { Name = "probe.jpg", MimeType = "image/jpeg", Buffer = data.ProbePhoto });
        await page.FillAsync("#search-top", "8");
        await page.ClickAsync("#search-button");
        var identities = page.Locator("#search-identities tbody tr");
        await Expect(identities.First).ToHaveAttributeAsync("data-identity", GalleryScenario.Identity(GalleryScenario.ProbeIdentity));
        await Expect(page.Locator("#search-result")).ToContainTextAsync($"8 matches in {CollectionNames.ForModel(runId)}");
        var matches = page.Locator("#search-matches .face");
        await Expect(matches).ToHaveCountAsync(8);
        await Expect(matches.First).ToHaveAttributeAsync("data-path", GalleryScenario.ProbePath);
        var best = double.Parse((await identities.First.Locator("td").Nth(2).TextContentAsync())!, CultureInfo.InvariantCulture);
        Assert.True(best > 0.99, $"the probe's own sample has similarity {best}: the upload was not embedded as ingest embedded it");
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#search-matches img.thumb"), 112, 8);
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("search")}");

        // Its identity links to the identity's page.
        await identities.First.Locator("a").ClickAsync();
        await Expect(page.Locator("#identity-name")).ToHaveTextAsync(GalleryScenario.Identity(GalleryScenario.ProbeIdentity));
        await page.GoBackAsync();

        // Samples to pick come a page at a time: 12 of the kept faces, then the rest.
        await Expect(page.Locator("#samples-range")).ToHaveTextAsync($"1–12 of {Kept}");
        await page.ClickAsync("#samples-next");
        await Expect(page.Locator("#samples-range")).ToHaveTextAsync($"13–{Kept} of {Kept}");
        await Expect(page.Locator("#search-samples button")).ToHaveCountAsync(Kept - 12);
        await Expect(page.Locator("#samples-next")).ToBeDisabledAsync();
        var picked = page.Locator("#search-samples button").First;
        var (pickedPath, pickedIdentity) = (await picked.GetAttributeAsync("data-path"), await picked.GetAttributeAsync("data-identity"));
        await picked.ClickAsync();
        await Expect(matches.First).ToHaveAttributeAsync("data-path", pickedPath!);
        await Expect(identities.First).ToHaveAttributeAsync("data-identity", pickedIdentity!);
        Assert.True(browser.Refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", browser.Refused));
    }

    [Fact]
    public async Task An_identitys_page_lists_its_kept_samples_by_template_its_dropped_ones_with_reasons_and_its_nearest_identities()
    {
        var data = await fixture.Gallery;
        var runId = await fixture.ServedRun;
        const int c = 2; // kept 0..2, dropped 3 and 4 (nearest a non-dominant sub-center) and 5 (over the threshold)
        var identity = GalleryScenario.Identity(c);
        var samples = data.Paths.Where((_, i) => data.SampleIdentities[i] == identity).ToList();
        var dropped = GalleryScenario.Drops[c].ToDictionary(d => samples[d.Sample], d => d.Subcenter == 0 ? "over-threshold" : "non-dominant-subcenter");
        var kept = samples.Except(dropped.Keys).ToList();
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        // From the run's identities table: the run is indexed, so each identity links to its page.
        await page.GotoAsync($"{Host.BaseAddress}#/runs/{runId}");
        await page.Locator($"#identities tr[data-identity='{identity}'] a.identity-page").ClickAsync();

        await Expect(page.Locator("#identity-name")).ToHaveTextAsync(identity);
        Assert.EndsWith($"#/identities/{runId}/{identity}", page.Url);
        var keptFaces = page.Locator("#identity-kept .face");
        await Expect(keptFaces).ToHaveCountAsync(kept.Count);
        Assert.Equal(kept.Order(), (await keptFaces.EvaluateAllAsync<string[]>("fs => fs.map(f => f.dataset.path)")).Order());
        var similarities = (await keptFaces.AllTextContentsAsync())
            .Select(t => double.Parse(t[(t.IndexOf("template similarity ", StringComparison.Ordinal) + 20)..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(similarities.OrderDescending(), similarities); // ranked by the template, most like it first
        await Expect(page.Locator("#identity-kept-range")).ToHaveTextAsync($"1–{kept.Count} of {kept.Count}");

        var droppedFaces = page.Locator("#identity-dropped .face.drop");
        await Expect(droppedFaces).ToHaveCountAsync(dropped.Count);
        foreach (var (path, reason) in dropped)
        {
            var face = page.Locator($"#identity-dropped .face[data-path='{path}']");
            await Expect(face).ToHaveAttributeAsync("data-reason", reason);
            await Expect(face).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"class-margin \d+\.\d°"));
        }

        // The others, nearest template first, each linking to its own page; and the panel reserved for the inversion.
        var nearest = page.Locator("#identity-similar tbody tr");
        await Expect(nearest).ToHaveCountAsync(GalleryScenario.Identities - 1);
        Assert.DoesNotContain(identity, await nearest.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.identity)"));
        await Expect(page.Locator("#identity-inversion")).ToHaveCountAsync(1);
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#identity-panel img.thumb"), 112, kept.Count + dropped.Count);
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("identity")}");

        var other = await nearest.First.GetAttributeAsync("data-identity");
        await nearest.First.Locator("a").ClickAsync();
        await Expect(page.Locator("#identity-name")).ToHaveTextAsync(other!);
        Assert.True(browser.Refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", browser.Refused));
    }

    [Fact]
    public async Task The_index_panel_rolls_an_alias_back_to_the_collection_published_before_only_with_the_key()
    {
        var data = await fixture.Gallery;
        var alias = "faces-rollback-" + Guid.NewGuid().ToString("N")[..8];
        var (older, newer) = (RunScenarios.NewRunId("older"), RunScenarios.NewRunId("newer"));
        foreach (var run in new[] { older, newer })
            await Host.WaitForRunAsync(run, await data.PublishIndexedRunAsync(Host, run, alias, RunScenarios.Start(minutesAgo: 1)));
        var index = Host.App.Services.GetRequiredService<IVectorIndex>();
        Assert.Equal(CollectionNames.ForModel(newer), await index.ResolveAsync(alias));
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync($"{Host.BaseAddress}#/search");

        var row = page.Locator($"#aliases tr[data-alias='{alias}']");
        await Expect(row).ToHaveAttributeAsync("data-collection", CollectionNames.ForModel(newer));
        var rollback = row.Locator("button.rollback");
        await Expect(rollback).ToHaveTextAsync($"Roll back to {CollectionNames.ForModel(older)}");

        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("index-panel", page.Locator("#index-panel"))}");

        // Without the key: refused, said so, and the alias stays.
        await rollback.ClickAsync();
        await Expect(page.Locator("#rollback-result")).ToHaveTextAsync("Rollback refused: missing or wrong X-Api-Key header");
        Assert.Equal(CollectionNames.ForModel(newer), await index.ResolveAsync(alias));

        // With it: the alias serves the older collection, and the panel shows that there is nothing earlier.
        await page.FillAsync("#index-api-key", DashboardHost.ApiKey);
        await rollback.ClickAsync();
        await Expect(page.Locator("#rollback-result")).ToHaveTextAsync(
            $"Rolled back: alias {alias} now serves {CollectionNames.ForModel(older)} (was {CollectionNames.ForModel(newer)})");
        await Expect(row).ToHaveAttributeAsync("data-collection", CollectionNames.ForModel(older));
        await Expect(row).ToContainTextAsync("nothing earlier");
        await Expect(row.Locator("td.switched")).ToContainTextAsync("(rolled back)");
        Assert.Equal(CollectionNames.ForModel(older), await index.ResolveAsync(alias));
        await Expect(page.Locator($"#collections tr[data-collection='{CollectionNames.ForModel(older)}']")).ToContainTextAsync($"serving {alias}");

        // Over the API, as the page asked: nothing earlier is a conflict, and the alias does not move.
        using var again = new HttpRequestMessage(HttpMethod.Post, $"/api/aliases/{alias}/rollback");
        again.Headers.Add("X-Api-Key", DashboardHost.ApiKey);
        using var answer = await Host.Http.SendAsync(again);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, answer.StatusCode);
        Assert.Contains("nothing earlier to go back to", (await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(CollectionNames.ForModel(older), await index.ResolveAsync(alias));
    }
}

/// <summary>A dashboard without the search API beside it (services/Dashboard's own process): the Search tab says so.</summary>
public sealed class NoSearchApiTests
{
    [Fact]
    public async Task Without_the_search_api_the_search_tab_says_where_to_find_it()
    {
        await using var host = await DashboardHost.StartAsync(search: false);
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync($"{host.BaseAddress}#/search");

        await Expect(page.Locator("#index-error")).ToContainTextAsync("index unavailable: this process serves no search API");
        await page.SetInputFilesAsync("#search-file", new FilePayload { Name = "probe.jpg", MimeType = "image/jpeg", Buffer = [0xFF, 0xD8, 0xFF] });
        await page.ClickAsync("#search-button");
        await Expect(page.Locator("#search-result")).ToContainTextAsync("Search refused: this process serves no search API");
    }
}
