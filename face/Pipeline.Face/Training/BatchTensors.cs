using Pipeline.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>
/// Samples of an <see cref="ImageSet"/> as a model input: NCHW float, (x - 127.5) / 127.5,
/// optionally mirrored, resized to the model's input size when the set was packed at another.
/// </summary>
public static class BatchTensors
{
    public static Tensor Images(ImageSet set, ReadOnlySpan<int> indices, int inputSize, ReadOnlySpan<bool> flip, Device device)
    {
        int size = set.Size, plane = size * size, n = indices.Length;
        var data = new float[n * 3 * plane];
        for (int b = 0; b < n; b++)
        {
            var img = set.Image(indices[b]);
            bool mirror = !flip.IsEmpty && flip[b];
            int o = b * 3 * plane;
            for (int y = 0; y < size; y++)
            {
                int row = y * size;
                for (int x = 0; x < size; x++)
                {
                    int src = (row + (mirror ? size - 1 - x : x)) * 3;
                    int dst = o + row + x;
                    data[dst] = (img[src] - 127.5f) / 127.5f;
                    data[dst + plane] = (img[src + 1] - 127.5f) / 127.5f;
                    data[dst + 2 * plane] = (img[src + 2] - 127.5f) / 127.5f;
                }
            }
        }
        var t = tensor(data, [n, 3, size, size]);
        if (size != inputSize)
        {
            var resized = nn.functional.interpolate(t, [inputSize, inputSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: size > inputSize);
            t.Dispose();
            t = resized;
        }
        return device.type == DeviceType.CPU ? t : t.to(device);
    }

    public static Tensor Labels(ImageSet set, ReadOnlySpan<int> indices, Device device)
    {
        var l = new long[indices.Length];
        for (int i = 0; i < l.Length; i++) l[i] = set.Labels[indices[i]];
        var t = tensor(l);
        return device.type == DeviceType.CPU ? t : t.to(device);
    }
}
