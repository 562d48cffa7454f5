using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace Pipeline.Indexer.Tests;

/// <summary>Images for the upload tests: real encodes, and PNG headers that claim more than their bytes hold.</summary>
internal static class TestImages
{
    /// <summary>A gradient background and a disc, encoded by Skia: a small file however large its sides.</summary>
    public static byte[] Render(int w, int h, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var background = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(w, h),
                    [new SKColor(40, 60, 200), new SKColor(230, 200, 40)], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, w, h, background);
            using var disc = new SKPaint { Color = new SKColor(200, 40, 60), IsAntialias = true };
            canvas.DrawCircle(w / 2f, h / 2f, Math.Min(w, h) / 4f, disc);
        }
        using var data = bitmap.Encode(format, 92);
        return data.ToArray();
    }

    /// <summary>
    /// A valid PNG whose header says <paramref name="w"/>x<paramref name="h"/> RGB but whose data stops after a few
    /// all-zero rows: a decompression bomb costs its header's pixels to decode whole, its bytes say nothing of it.
    /// </summary>
    public static byte[] PngHeaderOnly(int w, int h, int rows = 4)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(png, "IHDR", ihdr);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true)) z.Write(new byte[rows * (1 + 3 * w)]);
            Chunk(png, "IDAT", raw.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// A small real JPEG whose frame header (SOF0) is rewritten to claim <paramref name="w"/>x<paramref name="h"/>,
    /// and to be progressive (SOF2) when asked.
    /// </summary>
    public static byte[] JpegClaiming(int w, int h, bool progressive = false)
    {
        var jpeg = Render(64, 64, SKEncodedImageFormat.Jpeg);
        for (int i = 2; i + 8 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)h);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)w);
                if (progressive) jpeg[i + 1] = 0xC2;
                return jpeg;
            }
        throw new InvalidOperationException("Skia's JPEG has no baseline frame header (SOF0)");
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        s.Write(word);
    }

    /// <summary>CRC-32 (IEEE), as PNG chunks carry it.</summary>
    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
