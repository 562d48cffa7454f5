using Pipeline.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>
/// A whole set brought to the model's input size once (antialiased bilinear, in chunks), rather
/// than every batch of every epoch: ingest packs the field's 112-pixel crops, the demo model reads 64.
/// </summary>
public static class ImageSetResize
{
    public static ImageSet To(ImageSet set, int size, int chunk = 256)
    {
        if (set.Size == size) return set;
        var pixels = new byte[(long)set.Count * size * size * 3];
        for (int start = 0; start < set.Count; start += chunk)
        {
            int n = Math.Min(chunk, set.Count - start);
            using var scope = NewDisposeScope();
            var src = tensor(set.Pixels.AsSpan(start * set.ImageBytes, n * set.ImageBytes).ToArray(), [n, set.Size, set.Size, 3])
                .permute(0, 3, 1, 2).to(ScalarType.Float32);
            var dst = nn.functional.interpolate(src, [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: size < set.Size)
                .round().clamp(0, 255).to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
            dst.data<byte>().CopyTo(pixels.AsSpan(start * size * size * 3, n * size * size * 3));
        }
        return new ImageSet(size, pixels, set.Labels, set.Paths, set.Identities);
    }
}
