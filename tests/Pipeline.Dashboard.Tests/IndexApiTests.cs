using System.Net;
using System.Text.Json;
using Pipeline.VectorIndex;

namespace Pipeline.Dashboard.Tests;

/// <summary>What the search and identity pages read from the search API beside the dashboard: the index's state, and an identity's members a page at a time.</summary>
[Collection(DashboardCollection.Name)]
public sealed class IndexApiTests(DashboardFixture fixture)
{
    private DashboardHost Host => fixture.Host;

    private async Task<JsonElement> GetAsync(string url)
    {
        using var response = await Host.Http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: HTTP {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task The_index_lists_each_alias_with_its_collection_run_points_and_publication()
    {
        var runId = await fixture.ServedRun;

        var index = await GetAsync("/api/index");

        var serving = index.GetProperty("aliases").EnumerateArray().Single(a => a.GetProperty("alias").GetString() == CollectionNames.ServingAlias);
        Assert.Equal(CollectionNames.ForModel(runId), serving.GetProperty("collection").GetString());
        Assert.Equal(runId, serving.GetProperty("run").GetString());
        int kept = GalleryScenario.Identities * GalleryScenario.PerIdentity - GalleryScenario.Drops.Values.Sum(d => d.Length);
        Assert.Equal(kept, serving.GetProperty("points").GetInt64());
        Assert.True(serving.GetProperty("publishedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.Equal(serving.GetProperty("publishedAt").GetDateTimeOffset(), serving.GetProperty("switchedAt").GetDateTimeOffset());
        Assert.Equal("published", serving.GetProperty("switch").GetString());
        var collection = index.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("run").GetString() == runId);
        Assert.Equal(CollectionNames.ServingAlias, collection.GetProperty("alias").GetString());
        Assert.Equal(JsonValueKind.Null, collection.GetProperty("notPublished").ValueKind);
    }

    [Fact]
    public async Task An_identitys_members_come_a_page_at_a_time_ranked_by_its_template()
    {
        var runId = await fixture.ServedRun;
        var identity = GalleryScenario.Identity(GalleryScenario.ProbeIdentity); // kept all its samples

        var first = await GetAsync($"/api/identities/{identity}?run={runId}&offset=0&limit=4");
        var second = await GetAsync($"/api/identities/{identity}?run={runId}&offset=4&limit=4");

        Assert.Equal(GalleryScenario.PerIdentity, first.GetProperty("samples").GetInt64());
        var pages = new[] { first, second }.Select(p => p.GetProperty("members").EnumerateArray()
            .Select(m => (Path: m.GetProperty("samplePath").GetString()!, Score: m.GetProperty("score").GetDouble())).ToList()).ToList();
        Assert.Equal([4, GalleryScenario.PerIdentity - 4], pages.Select(p => p.Count));
        var all = pages[0].Concat(pages[1]).ToList();
        Assert.Equal(GalleryScenario.PerIdentity, all.Select(m => m.Path).Distinct().Count());
        Assert.Equal(all.Select(m => m.Score).OrderDescending(), all.Select(m => m.Score));
        Assert.All(all, m => Assert.StartsWith(identity + "/", m.Path));
        Assert.Equal(4, second.GetProperty("offset").GetInt32());

        using var badLimit = await Host.Http.GetAsync($"/api/identities/{identity}?run={runId}&limit=0");
        using var badOffset = await Host.Http.GetAsync($"/api/identities/{identity}?run={runId}&offset=-1");
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (badLimit.StatusCode, badOffset.StatusCode));
    }
}
