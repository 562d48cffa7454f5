using System.Formats.Tar;
using System.IO.Compression;
using SkiaSharp;

namespace Pipeline.Datasets.Tests;

/// <summary>Images, folders and archives built on the fly; every test gets its own temp folder.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dstest-" + Guid.NewGuid().ToString("N"));

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public string Write(string relative, byte[] bytes)
    {
        var full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

public static class TestImages
{
    /// <summary>A distinct picture per seed (gradient, disc and bar at seed-dependent places).</summary>
    public static SKBitmap Picture(int w, int h, int seed, SKColorType type = SKColorType.Rgba8888)
    {
        var bmp = new SKBitmap(new SKImageInfo(w, h, type, type == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Premul));
        using var canvas = new SKCanvas(bmp);
        var r = new Random(seed);
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(w, h),
            [new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)), new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256))], SKShaderTileMode.Clamp);
        using (var p = new SKPaint { Shader = shader }) canvas.DrawRect(0, 0, w, h, p);
        using (var p = new SKPaint { Color = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)), IsAntialias = true })
        {
            canvas.DrawCircle(r.Next(w), r.Next(h), w / 4f, p);
            canvas.DrawRect(r.Next(w), 0, w / 8f, h, p);
        }
        return bmp;
    }

    public static byte[] Jpeg(int size, int seed, int quality = 90) => Jpeg(size, size, seed, quality);

    public static byte[] Jpeg(int w, int h, int seed, int quality = 90)
    {
        using var bmp = Picture(w, h, seed);
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    public static byte[] Png(int w, int h, int seed, bool grey = false)
    {
        using var bmp = Picture(w, h, seed, grey ? SKColorType.Gray8 : SKColorType.Rgba8888);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A valid PNG whose IHDR is patched to claim another size (CRC fixed), e.g. a decompression bomb.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = Png(40, 40, 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320 & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}

/// <summary>The same small labelled set as a folder, a zip, a tar and a tar.gz.</summary>
public static class TestArchives
{
    /// <summary>identity -> file name -> bytes: 3 identities x 3 distinct 112px JPEGs (one 150x130 PNG to exercise resizing).</summary>
    public static SortedDictionary<string, byte[]> SmallSet()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        int seed = 0;
        foreach (var id in new[] { "alice", "bob", "carol" })
            for (int i = 1; i <= 3; i++)
                files[$"{id}/{id}_{i:D4}.jpg"] = TestImages.Jpeg(112, ++seed);
        files["carol/carol_0004.png"] = TestImages.Png(150, 130, 99);
        return files;
    }

    public static string Folder(TempDir dir, IEnumerable<KeyValuePair<string, byte[]>> files, string name = "folder")
    {
        foreach (var (path, bytes) in files) dir.Write($"{name}/{path}", bytes);
        return dir[name];
    }

    public static string Zip(TempDir dir, IEnumerable<KeyValuePair<string, byte[]>> files, string name = "set.zip", Action<ZipArchive>? extra = null)
    {
        var path = dir[name];
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entryName, bytes) in files)
            {
                using var s = zip.CreateEntry(entryName).Open();
                s.Write(bytes);
            }
            extra?.Invoke(zip);
        }
        return path;
    }

    public static string Tar(TempDir dir, IEnumerable<KeyValuePair<string, byte[]>> files, string name = "set.tar", bool gzip = false, Action<TarWriter>? extra = null)
    {
        var path = dir[name];
        using (var file = File.Create(path))
        using (Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file)
        using (var tar = new TarWriter(output, TarEntryFormat.Pax))
        {
            foreach (var (entryName, bytes) in files)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(bytes) });
            extra?.Invoke(tar);
        }
        return path;
    }
}
