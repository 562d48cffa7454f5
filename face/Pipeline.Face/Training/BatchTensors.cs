using System.Runtime.InteropServices;
using Pipeline.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>
/// Samples of an <see cref="ImageSet"/> as a model input: NCHW float in channels-last memory, (x - 127.5) / 127.5,
/// optionally mirrored, resized to the model's input size when the set was packed at another.
/// </summary>
public static class BatchTensors
{
    public static Tensor Images(ImageSet set, ReadOnlySpan<int> indices, int inputSize, ReadOnlySpan<bool> flip, Device device)
    {
        Tensor t;
        if (set.Size == inputSize)
            t = Normalised(set, indices, flip);
        else
        {
            // Resized to whole grey levels first, exactly as a set resized once in memory (ImageSetResize), then
            // mirrored: a set trains on the same inputs whether or not its resized copy fitted in memory.
            using var scope = NewDisposeScope();
            var levels = Resized(set, indices, inputSize);
            var x = levels.sub_(127.5).div_(127.5); // the same float operations as Normalised's, on whole grey levels
            var mirrored = new List<long>();
            for (int b = 0; b < flip.Length; b++) if (flip[b]) mirrored.Add(b);
            if (mirrored.Count > 0)
            {
                var rows = tensor(mirrored.ToArray());
                x.index_copy_(0, rows, x.index_select(0, rows).flip(3));
            }
            t = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).MoveToOuterDisposeScope(); // channels-last, as Normalised gives
        }
        return device.type == DeviceType.CPU ? t : t.to(device);
    }

    /// <summary>
    /// The samples at <paramref name="indices"/> resized to <paramref name="size"/> (antialiased bilinear when
    /// shrinking), rounded to bytes: n x size x size x 3, HWC.
    /// </summary>
    public static byte[] ResizedPixels(ImageSet set, ReadOnlySpan<int> indices, int size)
    {
        using var scope = NewDisposeScope();
        var bytes = Resized(set, indices, size).to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
        var pixels = new byte[indices.Length * size * size * 3];
        bytes.data<byte>().CopyTo(pixels);
        return pixels;
    }

    /// <summary>The library's one resize: NCHW float holding whole grey levels 0..255.</summary>
    private static Tensor Resized(ImageSet set, ReadOnlySpan<int> indices, int size)
    {
        var x = Normalised(set, indices, default);
        var resized = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: set.Size > size);
        x.Dispose();
        return resized.mul_(127.5).add_(127.5).round_().clamp_(0, 255);
    }

    private static Tensor Normalised(ImageSet set, ReadOnlySpan<int> indices, ReadOnlySpan<bool> flip)
    {
        int size = set.Size, row = size * 3, n = indices.Length;
        // Written straight into the tensor's memory: a managed batch (3 MB at 64 px) is a large-object
        // allocation per step, and the full GCs they trigger slowed training in a busy process.
        var nhwc = empty([n, size, size, 3]);
        var data = MemoryMarshal.Cast<byte, float>(nhwc.bytes);
        for (int b = 0; b < n; b++)
        {
            var img = set.Image(indices[b]);
            bool mirror = !flip.IsEmpty && flip[b];
            var dst = data.Slice(b * size * row, size * row);
            for (int y = 0; y < size; y++)
            {
                var src = img.Slice(y * row, row);
                var line = dst.Slice(y * row, row);
                if (!mirror)
                {
                    for (int i = 0; i < row; i++) line[i] = (src[i] - 127.5f) / 127.5f;
                    continue;
                }
                for (int x = 0; x < size; x++)
                {
                    int s = (size - 1 - x) * 3, d = x * 3;
                    line[d] = (src[s] - 127.5f) / 127.5f;
                    line[d + 1] = (src[s + 1] - 127.5f) / 127.5f;
                    line[d + 2] = (src[s + 2] - 127.5f) / 127.5f;
                }
            }
        }
        // Pixels arrive as HWC: the NCHW view of an NHWC block is channels-last, which oneDNN's
        // convolutions take without reordering (bench/experiments/training-step-profile.md).
        var t = nhwc.permute(0, 3, 1, 2);
        nhwc.Dispose();
        return t;
    }

    public static Tensor Labels(ImageSet set, ReadOnlySpan<int> indices, Device device)
    {
        var l = new long[indices.Length];
        for (int i = 0; i < l.Length; i++) l[i] = set.Labels[indices[i]];
        var t = tensor(l);
        return device.type == DeviceType.CPU ? t : t.to(device);
    }
}
