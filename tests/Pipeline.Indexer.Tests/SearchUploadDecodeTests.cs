using Pipeline.Datasets;
using SkiaSharp;

namespace Pipeline.Indexer.Tests;

/// <summary>The upload budgets themselves: what is refused from the header, and what a decode holds.</summary>
public sealed class SearchUploadDecodeTests
{
    private const int Size = 112;

    [Fact]
    public async Task A_12_megapixel_JPEG_is_decoded_downscaled_not_whole()
    {
        var jpeg = TestImages.Render(4000, 3000, SKEncodedImageFormat.Jpeg);
        await SearchUpload.DecodeAsync(jpeg, Size, default); // warm-up: first-call allocations are not the decode's

        long before = GC.GetAllocatedBytesForCurrentThread();
        var rgb = await SearchUpload.DecodeAsync(jpeg, Size, default);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Size * Size * 3, rgb.Length);
        // Whole it would be 48 MB of RGBA; at 1/8 scale it is 500x375, 0.75 MB.
        Assert.True(allocated < 4 << 20, $"decoding allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task A_PNG_decoded_whole_leaves_no_full_size_array_behind()
    {
        var png = TestImages.Render(2800, 2800, SKEncodedImageFormat.Png);
        await SearchUpload.DecodeAsync(png, Size, default);

        long before = GC.GetAllocatedBytesForCurrentThread();
        await SearchUpload.DecodeAsync(png, Size, default);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Its 31 MB of RGBA live in native memory freed on return, not in an array that waits for a full GC.
        Assert.True(allocated < 4 << 20, $"decoding allocated {allocated:N0} managed bytes");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 1500, 1000)]
    [InlineData(SKEncodedImageFormat.Png, 150, 200)]
    [InlineData(SKEncodedImageFormat.Webp, 900, 700)]
    [InlineData(SKEncodedImageFormat.Jpeg, 3000, 2000)]
    public async Task The_query_is_decoded_exactly_as_ingest_decodes(SKEncodedImageFormat format, int w, int h)
    {
        var bytes = TestImages.Render(w, h, format);
        var ingest = new ImageValidator(new ValidationOptions { ImageSize = Size, MinSize = 16 }).Validate(bytes);

        Assert.Equal(ingest.Pixels, await SearchUpload.DecodeAsync(bytes, Size, default));
    }

    [Fact]
    public void A_header_over_the_pixel_budget_is_refused_before_decoding()
    {
        var e = Assert.Throws<SearchInputException>(() => SearchUpload.CheckHeader(TestImages.PngHeaderOnly(5001, 5000)));

        Assert.Equal("image: too-many-pixels: header says 5001x5000 (25,005,000 pixels), over the 25,000,000-pixel limit of a search upload", e.Message);
    }

    [Fact]
    public void A_PNG_that_would_decode_whole_over_its_budget_is_refused_before_decoding()
    {
        var e = Assert.Throws<SearchInputException>(() => SearchUpload.CheckHeader(TestImages.PngHeaderOnly(4000, 2001)));

        Assert.Equal("image: too-many-pixels: 4000x2001 PNG (8,004,000 pixels) decodes at full size, over the 8,000,000 pixels a search decodes whole"
            + " (a baseline JPEG decodes downscaled, up to 25,000,000)", e.Message);
        Assert.True(SearchUpload.CheckHeader(TestImages.PngHeaderOnly(4000, 2000))); // within: decoded whole, at the gate
    }

    [Fact]
    public void A_progressive_JPEG_counts_as_a_whole_decode()
    {
        Assert.False(SearchUpload.IsProgressiveJpeg(TestImages.JpegClaiming(4000, 3000)));
        Assert.True(SearchUpload.IsProgressiveJpeg(TestImages.JpegClaiming(4000, 3000, progressive: true)));
        Assert.False(SearchUpload.CheckHeader(TestImages.JpegClaiming(4000, 3000))); // baseline: downscaled, no gate

        var e = Assert.Throws<SearchInputException>(() => SearchUpload.CheckHeader(TestImages.JpegClaiming(4000, 3000, progressive: true)));
        Assert.StartsWith("image: too-many-pixels: 4000x3000 progressive JPEG (12,000,000 pixels) decodes at full size", e.Message);
    }

    [Fact]
    public async Task Bytes_that_are_no_image_are_refused_with_ingests_reason()
    {
        Assert.Equal("image: empty-file: 0 bytes", (await Assert.ThrowsAsync<SearchInputException>(() => SearchUpload.DecodeAsync([], Size, default))).Message);
        Assert.StartsWith("image: not-an-image: ",
            (await Assert.ThrowsAsync<SearchInputException>(() => SearchUpload.DecodeAsync("hello"u8.ToArray(), Size, default))).Message);
    }
}
