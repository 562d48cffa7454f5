using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Pipeline.VectorIndex;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The Dashboard as its own process (distributed mode) with <see cref="SearchProxy.Setting"/> pointing at a real search
/// API in another host: the page searches, pages identities and reads the index through its own origin.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class SearchProxyTests(DashboardFixture fixture)
{
    [Fact]
    public async Task A_dashboard_without_search_forwards_the_search_api_to_the_indexer_it_is_given()
    {
        var data = await fixture.Gallery;
        var runId = await fixture.ServedRun;
        await using var dashboard = await DashboardHost.StartAsync(search: false, searchUrl: fixture.Host.BaseAddress);

        // The same answers through the proxy as from the search API itself, status codes included.
        Assert.Equal(await fixture.Host.Http.GetStringAsync("/api/index"), await dashboard.Http.GetStringAsync("/api/index"));
        var identity = GalleryScenario.Identity(GalleryScenario.ProbeIdentity);
        Assert.Equal(await fixture.Host.Http.GetStringAsync($"/api/identities/{identity}?run={runId}&limit=3"),
            await dashboard.Http.GetStringAsync($"/api/identities/{identity}?run={runId}&limit=3"));
        Assert.Equal(HttpStatusCode.BadRequest, (await dashboard.Http.GetAsync($"/api/identities/{identity}?run={runId}&limit=0")).StatusCode);
        var keyless = await dashboard.Http.PostAsync($"/api/aliases/{CollectionNames.ServingAlias}/rollback", null);
        Assert.Equal(HttpStatusCode.Forbidden, keyless.StatusCode);

        // The page on the dashboard's own origin: an uploaded photo finds its identity first, its thumbnails decode.
        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"{dashboard.BaseAddress}#/search");
        await Expect(page.Locator($"#aliases tr[data-alias='{CollectionNames.ServingAlias}']")).ToContainTextAsync(runId);
        await page.SetInputFilesAsync("#search-file", new FilePayload { Name = "probe.jpg", MimeType = "image/jpeg", Buffer = data.ProbePhoto });
        await page.ClickAsync("#search-button");
        await Expect(page.Locator("#search-identities tbody tr").First).ToHaveAttributeAsync("data-identity", identity);
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#search-matches img.thumb"), 112);
        Assert.True(browser.Refused.Count == 0, "the content security policy refused:\n" + string.Join("\n", browser.Refused));
    }

    [Fact]
    public async Task A_search_api_that_does_not_answer_is_a_502_naming_it()
    {
        await using var dashboard = await DashboardHost.StartAsync(search: false, searchUrl: new Uri("http://127.0.0.1:9/"));
        var answer = await dashboard.Http.GetAsync("/api/index");
        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains("127.0.0.1:9", (await answer.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["error"]);
    }
}
