using Pipeline.Artifacts;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer.Tests;

/// <summary>The search API's writes and its other inputs from the network: the alias switch's key and names, thumbnails of made-up datasets.</summary>
[Collection(IndexerCollection.Name)]
public sealed class SearchApiSecurityTests(IndexerFixture fixture)
{
    private IndexerHost Host => fixture.Host;

    private async Task<(HttpStatusCode Status, string Text)> PutAliasAsync(string alias, string collection, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/aliases/{Uri.EscapeDataString(alias)}?collection={Uri.EscapeDataString(collection)}");
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        using var response = await Host.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Error(string json) => JsonDocument.Parse(json).RootElement.GetProperty("error").GetString()!;

    [Fact]
    public async Task The_alias_switch_needs_the_exact_key()
    {
        var collection = CollectionNames.ForModel(IndexerHost.Run);

        var missing = await PutAliasAsync("rollback", collection, null);
        var wrong = await PutAliasAsync("rollback", collection, IndexerHost.ApiKey + "x");
        var prefix = await PutAliasAsync("rollback", collection, IndexerHost.ApiKey[..^1]);
        var right = await PutAliasAsync("rollback", collection, IndexerHost.ApiKey);

        Assert.All([missing, wrong, prefix], a =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, a.Status);
            Assert.Equal("missing or wrong X-Api-Key header", Error(a.Text));
        });
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal(collection, await Host.Index.ResolveAsync("rollback"));
    }

    [Fact]
    public async Task The_alias_switch_refuses_a_collection_name_outside_the_naming_rule()
    {
        var (status, text) = await PutAliasAsync("escape", "../outside", IndexerHost.ApiKey);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("collection name '../outside': ", Error(text));
        Assert.Null(await Host.Index.ResolveAsync("escape"));
    }

    [Fact]
    public async Task Thumbnails_of_made_up_datasets_are_404_and_load_nothing()
    {
        for (int i = 0; i < 5; i++)
        {
            using var response = await Host.Http.GetAsync($"/api/samples/made-up-{i}/a/0.png");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var odd = await Host.Http.GetAsync("/api/samples/..%2E/a/0.png");

        Assert.Equal(HttpStatusCode.BadRequest, odd.StatusCode);
        Assert.Equal(0, Host.App.Services.GetRequiredService<SampleThumbnails>().LoadedCount);
        Assert.False(Directory.Exists(Path.Combine(Host.BlobRoot, "..", "work", "datasets", "made-up-0")));
    }
}
