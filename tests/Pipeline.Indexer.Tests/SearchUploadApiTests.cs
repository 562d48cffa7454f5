using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;

namespace Pipeline.Indexer.Tests;

/// <summary>POST /api/search with hostile uploads, on the real Indexer host over HTTP: each is refused with its reason or decoded downscaled.</summary>
[Collection(IndexerCollection.Name)]
public sealed class SearchUploadApiTests(IndexerFixture fixture)
{
    private IndexerHost Host => fixture.Host;

    private async Task<(HttpStatusCode Status, string Error)> SearchAsync(byte[] image)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "image", "upload.bin");
        using var response = await Host.Http.PostAsync("/api/search", form);
        return (response.StatusCode, await ErrorOf(response));
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode || text.Length == 0) return text;
        return JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public async Task A_photo_sized_image_within_the_budget_finds_matches()
    {
        var (status, body) = await SearchAsync(TestImages.Render(640, 480, SKEncodedImageFormat.Jpeg));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"matches\"", body);
    }

    [Fact]
    public async Task Four_huge_pixel_PNG_and_JPEG_uploads_at_once_are_each_refused_from_their_header()
    {
        var bombs = new[] { TestImages.PngHeaderOnly(7000, 7000), TestImages.JpegClaiming(7000, 7000) };
        Assert.All(bombs, b => Assert.True(b.Length < 100_000, $"the bomb is {b.Length} bytes")); // tiny files, huge headers

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => SearchAsync(bombs[i % 2])));

        Assert.All(answers, a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.Status);
            Assert.Equal("image: too-many-pixels: header says 7000x7000 (49,000,000 pixels), over the 25,000,000-pixel limit of a search upload", a.Error);
        });
    }

    [Fact]
    public async Task A_12_megapixel_JPEG_is_decoded_downscaled_and_searched()
    {
        var (status, body) = await SearchAsync(TestImages.Render(4000, 3000, SKEncodedImageFormat.Jpeg));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"matches\"", body);
    }

    [Fact]
    public async Task A_PNG_too_large_to_decode_whole_is_refused_naming_both_budgets()
    {
        var (status, error) = await SearchAsync(TestImages.PngHeaderOnly(4000, 4000));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("image: too-many-pixels: 4000x4000 PNG (16,000,000 pixels) decodes at full size, over the 8,000,000 pixels a search decodes whole"
            + " (a baseline JPEG decodes downscaled, up to 25,000,000)", error);
    }

    [Fact]
    public async Task A_PNG_that_ends_early_is_refused_as_truncated()
    {
        var (status, error) = await SearchAsync(TestImages.PngHeaderOnly(2000, 2000));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("image: truncated: ", error);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_naming_the_limit()
    {
        var (status, error) = await SearchAsync(new byte[SearchUpload.MaxBodyBytes + 1]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request body over the 8 MiB (8388608 bytes) limit of a search upload", error);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_with_413_as_it_is_read()
    {
        // No Content-Length: the limit has to hold while the body streams in.
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new MemoryStream(new byte[SearchUpload.MaxBodyBytes + 1]));
        form.Add(file, "image", "upload.bin");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/search") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        form.Headers.ContentLength = null;

        using var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request body over the 8 MiB (8388608 bytes) limit of a search upload", await ErrorOf(response));
    }

    [Fact]
    public async Task A_vector_search_still_answers_and_bad_JSON_is_a_400_not_a_500()
    {
        using var good = await Host.Http.PostAsJsonAsync("/api/search", new { vector = Enumerable.Repeat(1f, 512).ToArray(), top = 1 });
        using var bad = await Host.Http.PostAsync("/api/search", new StringContent("{\"vector\": [1, 2", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("JSON body: ", await ErrorOf(bad));
    }

    [Fact]
    public async Task A_search_naming_an_alias_outside_the_naming_rule_is_a_400_naming_it()
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Render(64, 64, SKEncodedImageFormat.Png)), "image", "a.png" },
            { new StringContent("../../etc/passwd"), "alias" },
        };
        using var response = await Host.Http.PostAsync("/api/search", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("alias name '../../etc/passwd'", await ErrorOf(response));
    }
}
