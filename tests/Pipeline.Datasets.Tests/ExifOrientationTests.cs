using System.Runtime.InteropServices;
using SkiaSharp;

namespace Pipeline.Datasets.Tests;

/// <summary>
/// EXIF orientation (tag 274): each of the eight values turns the stored pixels as the EXIF specification draws them, and
/// a JPEG that a phone stored sideways is validated upright.
/// </summary>
public class ExifOrientationTests
{
    // Stored 3x2 pixels 1 2 3 / 4 5 6, and how each orientation shows them (EXIF 2.32, tag 274's figures).
    public static TheoryData<SKEncodedOrigin, int, uint[]> Shown => new()
    {
        { SKEncodedOrigin.TopLeft, 3, [1, 2, 3, 4, 5, 6] },
        { SKEncodedOrigin.TopRight, 3, [3, 2, 1, 6, 5, 4] },    // mirrored
        { SKEncodedOrigin.BottomRight, 3, [6, 5, 4, 3, 2, 1] }, // turned 180
        { SKEncodedOrigin.BottomLeft, 3, [4, 5, 6, 1, 2, 3] },  // flipped
        { SKEncodedOrigin.LeftTop, 2, [1, 4, 2, 5, 3, 6] },     // transposed
        { SKEncodedOrigin.RightTop, 2, [4, 1, 5, 2, 6, 3] },    // turned 90 clockwise to show
        { SKEncodedOrigin.RightBottom, 2, [6, 3, 5, 2, 4, 1] }, // transversed
        { SKEncodedOrigin.LeftBottom, 2, [3, 6, 2, 5, 1, 4] },  // turned 90 anticlockwise to show
    };

    [Theory]
    [MemberData(nameof(Shown))]
    public unsafe void Each_orientation_shows_the_stored_pixels_as_the_specification_draws(SKEncodedOrigin origin, int width, uint[] expected)
    {
        var info = new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Premul);
        uint[] stored = [1, 2, 3, 4, 5, 6];
        fixed (uint* p = stored)
        {
            byte* turned = origin == SKEncodedOrigin.TopLeft ? (byte*)p : ExifOrientation.Upright((byte*)p, info, origin, out info);
            try
            {
                Assert.Equal((width, 6 / width), (info.Width, info.Height));
                Assert.Equal(expected, new ReadOnlySpan<uint>(turned, 6).ToArray());
            }
            finally
            {
                if (origin != SKEncodedOrigin.TopLeft) NativeMemory.Free(turned);
            }
        }
    }

    /// <summary>A 64x48 JPEG, red on its left half and blue on its right, with an EXIF block saying <paramref name="orientation"/>.</summary>
    private static byte[] SidewaysJpeg(ushort orientation)
    {
        using var bitmap = new SKBitmap(64, 48);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            canvas.DrawRect(0, 0, 32, 48, new SKPaint { Color = SKColors.Red });
        }
        var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95).ToArray();
        // APP1 "Exif": a big-endian TIFF header and one IFD entry, tag 0x0112 (SHORT) = orientation.
        byte[] app1 =
        [
            0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
            0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    [Fact]
    public void A_jpeg_stored_sideways_is_validated_upright()
    {
        var validator = new ImageValidator(new ValidationOptions { ImageSize = 48, MinSize = 32 });
        (int R, int B) At(byte[] rgb, int x, int y) => (rgb[(y * 48 + x) * 3], rgb[(y * 48 + x) * 3 + 2]);

        var plain = validator.Validate(SidewaysJpeg(1));
        Assert.True(plain.IsValid, plain.Reason);
        Assert.True(At(plain.Pixels!, 4, 24).R > 200 && At(plain.Pixels!, 44, 24).B > 200, "orientation 1: red left, blue right");

        // Orientation 6: the stored left edge is the top of the picture shown, so red is on top and blue below.
        using (var codec = SKCodec.Create(new MemoryStream(SidewaysJpeg(6)))) Assert.Equal(SKEncodedOrigin.RightTop, codec.EncodedOrigin);
        var turned = validator.Validate(SidewaysJpeg(6));
        Assert.True(turned.IsValid, turned.Reason);
        Assert.True(At(turned.Pixels!, 24, 4).R > 200, $"top: {At(turned.Pixels!, 24, 4)}");
        Assert.True(At(turned.Pixels!, 24, 44).B > 200, $"bottom: {At(turned.Pixels!, 24, 44)}");
    }
}
