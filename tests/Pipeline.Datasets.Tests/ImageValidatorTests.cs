using SkiaSharp;

namespace Pipeline.Datasets.Tests;

public class ImageValidatorTests
{
    private readonly ImageValidator _validator = new(new ValidationOptions { ImageSize = 112, MinSize = 32, MaxPixels = 10_000_000 });

    private static string Code(ValidationResult r) => r.Reason!.Split(':')[0];

    [Fact]
    public void Jpeg_of_the_target_size_decodes_to_rgb()
    {
        var r = _validator.Validate(TestImages.Jpeg(112, 1));
        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(112 * 112 * 3, r.Pixels!.Length);
    }

    [Fact]
    public void Grey_png_becomes_three_equal_channels()
    {
        var r = _validator.Validate(TestImages.Png(112, 112, 3, grey: true));
        Assert.True(r.IsValid, r.Reason);
        for (int i = 0; i < r.Pixels!.Length; i += 3)
        {
            Assert.Equal(r.Pixels[i], r.Pixels[i + 1]);
            Assert.Equal(r.Pixels[i], r.Pixels[i + 2]);
        }
    }

    [Fact]
    public void Non_square_larger_image_is_centre_cropped_and_resized()
    {
        var r = new ImageValidator(new ValidationOptions { ImageSize = 64 }).Validate(TestImages.Png(300, 200, 5));
        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(64 * 64 * 3, r.Pixels!.Length);
        var large = new ImageValidator(new ValidationOptions { ImageSize = 56 }).Validate(TestImages.Jpeg(640, 480, 6));
        Assert.True(large.IsValid, large.Reason);
    }

    [Fact]
    public void Text_is_not_an_image() =>
        Assert.Equal(QuarantineReasons.NotAnImage, Code(_validator.Validate("name,identity\nx,y\n"u8.ToArray())));

    [Fact]
    public void Empty_file_is_refused() => Assert.Equal(QuarantineReasons.EmptyFile, Code(_validator.Validate([])));

    [Fact]
    public void Truncated_png_is_refused_although_SKBitmap_Decode_accepts_it()
    {
        var png = TestImages.Png(112, 112, 7);
        var truncated = png[..(png.Length * 2 / 3)];
        using (var lenient = SKBitmap.Decode(truncated)) Assert.NotNull(lenient);
        Assert.Equal(QuarantineReasons.Truncated, Code(_validator.Validate(truncated)));
    }

    [Fact]
    public void Truncated_jpeg_is_refused()
    {
        var jpeg = TestImages.Jpeg(112, 8);
        Assert.Equal(QuarantineReasons.Truncated, Code(_validator.Validate(jpeg[..(jpeg.Length / 2)])));
        // Second line of defence behind the EOI check: the codec itself reports the missing rows.
        using var codec = SKCodec.Create(SKData.CreateCopy(jpeg[..(jpeg.Length / 2)]));
        var info = new SKImageInfo(112, 112, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.IncompleteInput, codec.GetPixels(info, bitmap.GetPixels()));
    }

    [Fact]
    public void Corrupt_png_data_is_refused()
    {
        var png = TestImages.Png(112, 112, 9);
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        for (int i = idat + 20; i < idat + 60; i++) png[i] ^= 0x5A;
        Assert.Equal(QuarantineReasons.Corrupt, Code(_validator.Validate(png)));
    }

    [Fact]
    public void Jpeg_with_a_broken_header_is_corrupt()
    {
        var jpeg = TestImages.Jpeg(112, 10);
        for (int i = 4; i < 200; i++) jpeg[i] = 0x00;
        Assert.Equal(QuarantineReasons.Corrupt, Code(_validator.Validate(jpeg)));
    }

    [Fact]
    public void Small_image_is_refused() =>
        Assert.Equal(QuarantineReasons.TooSmall, Code(_validator.Validate(TestImages.Jpeg(20, 11))));

    [Fact]
    public void Decompression_bomb_is_refused_from_its_header()
    {
        var bomb = TestImages.PngClaiming(200_000, 200_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = _validator.Validate(bomb);
        Assert.Equal(QuarantineReasons.TooManyPixels, Code(r));
        Assert.Contains("200000x200000", r.Reason);
        Assert.True(clock.ElapsedMilliseconds < 1000);
    }
}
