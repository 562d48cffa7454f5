using System.Text.Json;
using Pipeline.Contracts;
using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>One photo shown beside what face finding made of it: its packed crop (outcome "aligned") or its quarantine reason.</summary>
public sealed record FaceExample(string Path, string Outcome, string? Reason, string Photo)
{
    /// <summary>Whether <paramref name="name"/> can be one of the example photos (<c>&lt;n&gt;.jpg</c> under examples/): a safe file name to serve.</summary>
    public static bool IsPhotoName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !name.StartsWith('.')
        && (name.EndsWith(".jpg", StringComparison.Ordinal) || name.EndsWith(".jpeg", StringComparison.Ordinal) || name.EndsWith(".png", StringComparison.Ordinal));
}

/// <summary>
/// A few photos of a drop kept beside their outcome when faces are found in them (examples.json and examples/&lt;n&gt;.jpg in
/// the packed dataset): the first <see cref="Aligned"/> packed ones, and the first <see cref="PerReason"/> of each face
/// reason (no face, several, a weak one, no landmarks), so an operator sees what detection and alignment did to a drop.
/// Chosen in input order, so a repacked drop keeps the same examples.
/// </summary>
public sealed class FaceExamples
{
    public const string File = "examples.json";
    public const int Aligned = 8, PerReason = 3, MaxSide = 256;
    public const string AlignedOutcome = "aligned";

    private static readonly HashSet<string> FaceReasons =
        [QuarantineReasons.NoFace, QuarantineReasons.MultipleFaces, QuarantineReasons.LowDetectionScore, QuarantineReasons.NoLandmarks];

    private readonly List<(FaceExample Example, byte[] Jpeg)> _kept = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Offers one photo's outcome (null reason: packed); keeps it while its outcome's quota lasts.</summary>
    public void Offer(string path, string? reason, ReadOnlySpan<byte> encoded)
    {
        var outcome = reason is null ? AlignedOutcome : new QuarantineEntry(path, reason).Code;
        if (reason is not null && !FaceReasons.Contains(outcome)) return;
        int quota = reason is null ? Aligned : PerReason;
        if (_counts.GetValueOrDefault(outcome) >= quota) return;
        if (Thumbnail(encoded) is not { } jpeg) return;
        _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;
        _kept.Add((new FaceExample(path, outcome, reason, $"examples/{_kept.Count}.jpg"), jpeg));
    }

    /// <summary>Writes examples.json and the photos; <paramref name="packed"/> says which aligned ones survived deduplication.</summary>
    public void Write(Func<string, Stream> openWrite, IReadOnlySet<string> packed)
    {
        var shown = _kept.Where(k => k.Example.Outcome != AlignedOutcome || packed.Contains(k.Example.Path)).ToList();
        foreach (var (example, jpeg) in shown)
            using (var s = openWrite(example.Photo)) s.Write(jpeg);
        using var json = openWrite(File);
        JsonSerializer.Serialize(json, shown.Select(k => k.Example).ToList(), PipelineJson.Options);
    }

    public static IReadOnlyList<FaceExample> Read(Stream s) => JsonSerializer.Deserialize<List<FaceExample>>(s, PipelineJson.Options) ?? [];

    /// <summary>The photo upright, its longer side at most <see cref="MaxSide"/>, as JPEG; null when it does not decode.</summary>
    public static unsafe byte[]? Thumbnail(ReadOnlySpan<byte> encoded)
    {
        fixed (byte* p = encoded)
        {
            using var data = SKData.Create((IntPtr)p, encoded.Length, null);
            using var codec = SKCodec.Create(data);
            if (codec is null) return null;
            // JPEG decodes straight at 1/2 .. 1/8: the smallest that still covers the thumbnail.
            var decoded = codec.Info.Size;
            foreach (var s in new[] { 0.5f, 0.25f, 0.125f })
                if (codec.GetScaledDimensions(s) is var d && Math.Max(d.Width, d.Height) >= MaxSide) decoded = d;
            using var full = SKBitmap.Decode(codec, new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
            if (full is null) return null;
            float scale = Math.Min(1f, MaxSide / (float)Math.Max(full.Width, full.Height));
            var size = new SKSizeI(Math.Max(1, (int)(full.Width * scale)), Math.Max(1, (int)(full.Height * scale)));
            using var small = full.Resize(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            if (small is null) return null;
            using var image = Upright(small, codec.EncodedOrigin);
            using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 85);
            return jpeg.ToArray();
        }
    }

    private static unsafe SKBitmap Upright(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return bitmap.Copy();
        var turned = ExifOrientation.Upright((byte*)bitmap.GetPixels(), bitmap.Info, origin, out var info);
        var result = new SKBitmap();
        result.InstallPixels(info, (IntPtr)turned, info.RowBytes, (addr, _) => System.Runtime.InteropServices.NativeMemory.Free((void*)addr));
        return result;
    }
}
