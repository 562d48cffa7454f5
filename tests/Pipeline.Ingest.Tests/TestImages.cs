using System.IO.Compression;
using SkiaSharp;

namespace Pipeline.Ingest.Tests;

/// <summary>Small JPEGs, distinct per seed (the packer drops byte-identical duplicates), and archives of them.</summary>
public static class TestImages
{
    /// <summary>A solid colour plus per-pixel noise, encoded as JPEG.</summary>
    public static byte[] Jpeg(int seed, int size = 112)
    {
        var r = new Random(seed);
        using var bmp = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var (cr, cg, cb) = (r.Next(40, 216), r.Next(40, 216), r.Next(40, 216));
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                bmp.SetPixel(x, y, new SKColor(Noisy(cr, r), Noisy(cg, r), Noisy(cb, r)));
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private static byte Noisy(int c, Random r) => (byte)Math.Clamp(c + r.Next(-30, 31), 0, 255);

    /// <summary>The first bytes of a valid JPEG: a file cut off mid-upload.</summary>
    public static byte[] TruncatedJpeg(int seed) => Jpeg(seed)[..300];

    /// <summary>A zip holding the given relative paths.</summary>
    public static byte[] Zip(IReadOnlyDictionary<string, byte[]> files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                using var s = zip.CreateEntry(path, CompressionLevel.Fastest).Open();
                s.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
