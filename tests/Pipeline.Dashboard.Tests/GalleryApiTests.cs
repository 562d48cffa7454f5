using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using Pipeline.Datasets;

namespace Pipeline.Dashboard.Tests;

/// <summary>The gallery API on real stored artefacts: a packed synthetic dataset, its quarantine and examples, and purification reports.</summary>
[Collection(DashboardCollection.Name)]
public sealed class GalleryApiTests(DashboardFixture fixture)
{
    private DashboardHost Host => fixture.Host;

    private async Task<(GalleryScenario Data, string RunId)> PurifiedRunAsync(Func<GalleryScenario, Face.Purification.PurificationReport>? report = null)
    {
        var data = await fixture.Gallery;
        var runId = RunScenarios.NewRunId("gallery");
        int n = await data.PublishPurifiedRunAsync(Host, runId, (report ?? (d => d.Report()))(data), RunScenarios.Start());
        await Host.WaitForRunAsync(runId, n);
        return (data, runId);
    }

    private async Task<GalleryPage> PageAsync(string runId, string query)
    {
        var response = await Host.Http.GetAsync($"/api/runs/{runId}/purification?{query}");
        Assert.True(response.IsSuccessStatusCode, $"{query}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<GalleryPage>(TestJson.Web))!;
    }

    [Fact]
    public async Task Dropped_faces_come_worst_first_with_their_reason_identity_and_typical_faces()
    {
        var (data, runId) = await PurifiedRunAsync();

        var page = await PageAsync(runId, "");
        string[] id = [.. Enumerable.Range(0, GalleryScenario.Identities).Select(GalleryScenario.Identity)];

        int dropped = GalleryScenario.DroppedNonDominant + GalleryScenario.DroppedOverThreshold;
        Assert.Equal((dropped, 0, 48), (page.Total, page.Offset, page.Limit));
        Assert.Equal([new ReasonCount(PurificationGallery.Reasons.NonDominantSubcenter, 4), new ReasonCount(PurificationGallery.Reasons.OverThreshold, 2)], page.Reasons);
        Assert.Equal(page.Items.Select(f => f.Score).OrderDescending(), page.Items.Select(f => f.Score));
        var worst = page.Items[0]; // id2's sixth sample: 80 + 2 x 5, nearest the dominant sub-center
        Assert.Equal((GalleryScenario.Identity(2), "drop", PurificationGallery.Reasons.OverThreshold, 90.0, 0.5), (worst.Identity, worst.Decision, worst.Reason, worst.Score, worst.IdentityDropRate));
        Assert.Equal(data.Paths.Where((_, i) => data.SampleIdentities[i] == id[2]).Take(3), worst.Typical); // its three lowest-scoring kept faces
        Assert.Equal("margin 90, not under 75.0", worst.Detail);

        Assert.Equal(3, (await PageAsync(runId, $"identity={id[2]}")).Total);
        var overThreshold = await PageAsync(runId, "reason=over-threshold");
        Assert.Equal([id[2], id[1]], overThreshold.Items.Select(f => f.Identity));
        Assert.Equal(page.Reasons, overThreshold.Reasons); // the reason filter's choices keep their counts
        var kept = await PageAsync(runId, "decision=keep&sort=score&limit=5");
        Assert.Equal((GalleryScenario.Identities * GalleryScenario.PerIdentity - dropped, 5), (kept.Total, kept.Items.Count));
        Assert.Equal([20.0, 20, 20, 20, 21], kept.Items.Select(f => f.Score));
        Assert.Equal(3, (await PageAsync(runId, "minScore=84&maxScore=88.5")).Total); // 86 and the two 88s, not the three 90s

        var identities = await Host.Http.GetFromJsonAsync<IdentityPage>($"/api/runs/{runId}/purification/identities", TestJson.Web);
        Assert.Equal(new IdentityRates(id[2], 3, 3, 0.5), identities!.Items[0]);
        Assert.Equal([id[2], id[0], id[1], id[3]], identities.Items.Select(i => i.Identity));
    }

    [Fact]
    public async Task A_large_report_is_paged_in_score_order_without_overlap()
    {
        const int samples = 20_000;
        var (_, runId) = await PurifiedRunAsync(d => d.LargeReport(samples));

        var scores = new List<double>();
        int pages = 0;
        for (int offset = 0; ; offset += 200, pages++)
        {
            var page = await PageAsync(runId, $"offset={offset}&limit=200");
            Assert.Equal(samples / 10, page.Total);
            if (page.Items.Count == 0) break;
            scores.AddRange(page.Items.Select(f => f.Score));
        }

        Assert.Equal((samples / 10 / 200, samples / 10), (pages, scores.Count));
        Assert.Equal(scores.OrderDescending(), scores);
        var identities = await Host.Http.GetFromJsonAsync<IdentityPage>($"/api/runs/{runId}/purification/identities?offset=980&limit=50", TestJson.Web);
        Assert.Equal((1000, 20), (identities!.Total, identities.Items.Count));
    }

    [Theory]
    [InlineData("limit=0", "limit = 0: expected 1..200")]
    [InlineData("limit=201", "limit = 201: expected 1..200")]
    [InlineData("offset=-1", "offset = -1: expected 0 or more")]
    [InlineData("decision=maybe", "decision = 'maybe': expected keep, drop or all")]
    [InlineData("sort=angle", "sort = 'angle': expected score or -score")]
    public async Task Bad_gallery_queries_are_refused_with_the_reason(string query, string error)
    {
        var (_, runId) = await PurifiedRunAsync();

        var response = await Host.Http.GetAsync($"/api/runs/{runId}/purification?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["error"]);
    }

    [Fact]
    public async Task A_run_without_a_report_has_no_gallery()
    {
        var runId = RunScenarios.NewRunId("unpurified");
        await RunScenarios.PublishDroppedAsync(Host.Bus, runId, RunScenarios.Start());
        await Host.WaitForRunAsync(runId, 1);

        var unknown = await Host.Http.GetAsync("/api/runs/no-such-run/purification");
        var notIngested = await Host.Http.GetAsync($"/api/runs/{runId}/purification");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, notIngested.StatusCode));
        Assert.Equal($"run '{runId}' has no ingested dataset yet", (await notIngested.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["error"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync($"/api/runs/{runId}/stages/subcenter/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Host.Http.GetAsync($"/api/runs/{runId}/stages/..%2E/metrics")).StatusCode);
    }

    [Fact]
    public async Task A_training_stage_s_metrics_have_one_entry_per_epoch()
    {
        var (_, runId) = await PurifiedRunAsync();

        var metrics = await Host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/runs/{runId}/stages/subcenter/metrics", TestJson.Web);

        Assert.Equal([1, 2, 3], metrics.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal((24, 4), (metrics.GetProperty("samples").GetInt32(), metrics.GetProperty("identities").GetInt32()));
    }

    [Fact]
    public async Task The_quarantine_lists_the_planted_file_with_its_reason_and_counts_per_code()
    {
        var data = await fixture.Gallery;

        var q = await Host.Http.GetFromJsonAsync<QuarantinePage>($"/api/datasets/{data.DatasetId}/quarantine", TestJson.Web);

        var planted = Assert.Single(q!.Items);
        Assert.Equal((GalleryScenario.PlantedFile, QuarantineReasons.NotAnImage), (planted.Path, planted.Code));
        Assert.StartsWith(QuarantineReasons.NotAnImage + ": ", planted.Reason);
        Assert.Equal([new CodeCount(QuarantineReasons.NotAnImage, 1)], q.Codes);
        Assert.Empty((await Host.Http.GetFromJsonAsync<QuarantinePage>($"/api/datasets/{data.DatasetId}/quarantine?code=truncated", TestJson.Web))!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync("/api/datasets/no-such-dataset/quarantine")).StatusCode);
    }

    [Fact]
    public async Task Thumbnails_are_the_packed_samples_as_PNG_and_example_photos_are_served_by_name_only()
    {
        var data = await fixture.Gallery;

        var png = await Host.Http.GetAsync($"/api/datasets/{data.DatasetId}/samples/{data.Paths[0]}");
        var photo = await Host.Http.GetAsync($"/api/datasets/{data.DatasetId}/examples/0.jpg");

        Assert.Equal((HttpStatusCode.OK, "image/png"), (png.StatusCode, png.Content.Headers.ContentType?.MediaType));
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal((112, 112), (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)))); // IHDR
        Assert.Equal((HttpStatusCode.OK, "image/jpeg"), (photo.StatusCode, photo.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync($"/api/datasets/{data.DatasetId}/samples/{GalleryScenario.Identity(0)}/made-up.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Host.Http.GetAsync("/api/datasets/..%2E/samples/a/0.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync($"/api/datasets/{data.DatasetId}/examples/..%2Fmanifest.json")).StatusCode);
        var examples = await Host.Http.GetFromJsonAsync<ExamplesPage>($"/api/datasets/{data.DatasetId}/examples", TestJson.Web);
        Assert.Equal([FaceExamples.AlignedOutcome, QuarantineReasons.NoFace], examples!.Items.Select(x => x.Outcome));
    }

    private sealed record CodeCount(string Code, int Count);
    private sealed record QuarantineItem(string Path, string Code, string Reason);
    private sealed record QuarantinePage(int Total, IReadOnlyList<CodeCount> Codes, IReadOnlyList<QuarantineItem> Items);
    private sealed record ExamplesPage(int Total, IReadOnlyList<FaceExample> Items);
}
