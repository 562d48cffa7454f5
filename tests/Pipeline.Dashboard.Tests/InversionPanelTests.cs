using System.Net;
using System.Net.Http.Json;
using Pipeline.Datasets;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// An identity's inversion on its page: rendered on request by the run's real final model (a 112-pixel tiny
/// network here), its progress shown, its PNG stored and served again without a second render.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class InversionPanelTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private DashboardHost Host => fixture.Host;

    [Fact]
    public async Task The_render_button_shows_the_identitys_inversion_and_the_next_visit_finds_it_stored()
    {
        var runId = await fixture.ServedRun;
        var name = GalleryScenario.Identity(1);
        var api = $"/api/runs/{runId}/identities/{name}/inversion";
        Assert.Equal("none", (await Host.Http.GetFromJsonAsync<InversionState>(api, TestJson.Web))!.State);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync(api + ".png")).StatusCode);

        await using var browser = await DashboardBrowser.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"{Host.BaseAddress}#/identities/{runId}/{name}");
        await Expect(page.Locator("#inversion-state")).ToHaveAttributeAsync("data-state", "none");
        await page.ClickAsync("#inversion-render");
        await Expect(page.Locator("#inversion-image")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        var served = await Host.Http.GetAsync(api + ".png");
        Assert.True(served.IsSuccessStatusCode, $"{api}.png: HTTP {(int)served.StatusCode} {await served.Content.ReadAsStringAsync()}");
        await DashboardBrowser.AssertDecodedAsync(page.Locator("#inversion-image"), 2 * 112, 1);
        await Expect(page.Locator("#inversion-render")).ToBeDisabledAsync();
        output.WriteLine($"screenshot: {await browser.ScreenshotAsync("identity-inversion")}");

        // Stored: a second request answers at once with the same image, and the PNG is two 112-pixel faces.
        var again = await Host.Http.PostAsync(api, null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("done", (await again.Content.ReadFromJsonAsync<InversionState>(TestJson.Web))!.State);
        var png = await Host.Http.GetByteArrayAsync(api + ".png");
        var decoded = new ImageValidator(new ValidationOptions { ImageSize = 112, MinSize = 16 }).Validate(png);
        Assert.Null(decoded.Reason);
    }

    [Fact]
    public async Task An_identity_the_model_does_not_know_fails_with_the_reason()
    {
        var runId = await fixture.ServedRun;
        var api = $"/api/runs/{runId}/identities/nobody/inversion";
        InversionState state;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // Another test's render may hold the one slot a moment: asked again until this one starts.
        while ((state = (await (await Host.Http.PostAsync(api, null)).Content.ReadFromJsonAsync<InversionState>(TestJson.Web))!).State == "busy" && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        while (state.State == "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            state = (await Host.Http.GetFromJsonAsync<InversionState>(api, TestJson.Web))!;
        }
        Assert.Equal("failed", state.State);
        Assert.Contains("'nobody'", state.Error);
    }
}
