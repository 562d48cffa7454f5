using SkiaSharp;

namespace Pipeline.Alignment.Tests;

public class RgbaImageTests
{
    [Fact]
    public void Bytes_that_are_no_image_are_refused_with_their_name()
    {
        var e = Assert.Throws<InvalidDataException>(() => RgbaImage.Decode("not a photo"u8, "drops/a/1.jpg"));
        Assert.StartsWith("drops/a/1.jpg: ", e.Message);
    }

    [Fact]
    public void A_bitmap_in_another_channel_order_comes_out_as_rgba()
    {
        using var bgra = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Bgra8888, SKAlphaType.Premul));
        bgra.Erase(new SKColor(200, 100, 50));
        var image = RgbaImage.FromBitmap(bgra);
        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 200, 100, 50, 255 }, image.Pixels.Span[..4].ToArray());
        Assert.Equal(new byte[] { 200, 100, 50, 255 }, image.Pixels.Span.Slice(image.RowBytes + 8, 4).ToArray());
    }
}
