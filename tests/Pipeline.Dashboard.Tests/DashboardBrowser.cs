using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium (apt-get install -y chromium), headless, driven by Playwright.
/// Playwright's own browser download is never used: this machine has no internet. Content security policy refusals
/// are collected, and screenshots land in the test output's screenshots/ folder.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _refused = [];

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        (_playwright, _browser, Page) = (playwright, browser, page);
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy")) lock (_refused) _refused.Add(m.Text); };
    }

    public IPage Page { get; }

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<DashboardBrowser> OpenAsync(int width = 1400, int height = 1000)
    {
        Assert.True(File.Exists(ChromiumPath),
            $"{ChromiumPath} not found: the dashboard's browser tests need Debian's Chromium. Install it with `apt-get install -y chromium` (test.sh does).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(20_000);
        SetDefaultExpectTimeout(20_000); // generous: CI runs other test assemblies beside this one on 2 cores
        return new DashboardBrowser(playwright, browser, page);
    }

    /// <summary>Saves a screenshot of the page (or of one element) as screenshots/<paramref name="name"/>.png; returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, ILocator? element = null)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        if (element is null) await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        else await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        Assert.True(new FileInfo(path).Length > 0, $"{path}: empty screenshot");
        return path;
    }

    /// <summary>
    /// Scrolls every image of the locator into view (they load lazily) and asserts each decoded to <paramref name="width"/>
    /// pixels: <paramref name="count"/> of them, or at least one.
    /// </summary>
    public static async Task AssertDecodedAsync(ILocator images, int width, int? count = null)
    {
        if (count is { } n) await Expect(images).ToHaveCountAsync(n);
        int shown = await images.CountAsync();
        Assert.True(shown > 0, "no image shown");
        for (int i = 0; i < shown; i++)
        {
            var img = images.Nth(i);
            await img.ScrollIntoViewIfNeededAsync();
            await Expect(img).ToHaveJSPropertyAsync("complete", true);
            Assert.Equal(width, await img.EvaluateAsync<int>("i => i.naturalWidth"));
        }
    }

    /// <summary>What the content security policy refused so far (nothing, for a page that keeps to its own origin).</summary>
    public IReadOnlyList<string> Refused
    {
        get { lock (_refused) return _refused.ToList(); }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
