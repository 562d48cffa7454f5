using Pipeline.Datasets;

namespace Pipeline.Face.Training;

/// <summary>
/// A whole set brought to the model's input size once (antialiased bilinear, in chunks), rather
/// than every batch of every epoch: ingest packs the field's 112-pixel crops, the demo model reads 64.
/// </summary>
public static class ImageSetResize
{
    /// <summary>
    /// Share of the machine's memory a resized copy may take. Above it the set is left as it is and
    /// <see cref="BatchTensors"/> resizes each batch instead: a web-scale set mapped from disk must not be
    /// copied into memory.
    /// </summary>
    public const double MemoryShare = 0.25;

    /// <summary>The set at <paramref name="size"/>: resized in memory when that copy fits <see cref="MemoryShare"/>, else itself.</summary>
    public static ImageSet ToIfItFits(ImageSet set, int size, long? memoryBytes = null)
    {
        long resized = (long)set.Count * size * size * 3;
        long budget = (long)((memoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) * MemoryShare);
        return set.Size == size || resized > budget ? set : To(set, size);
    }

    /// <summary>
    /// The set resized to <paramref name="size"/>, in memory, one block per <paramref name="chunk"/> images:
    /// <see cref="BatchTensors.ResizedPixels"/>, the resize a batch gets when the set is not resized ahead.
    /// </summary>
    public static ImageSet To(ImageSet set, int size, int chunk = 256)
    {
        if (set.Size == size) return set;
        var blocks = new List<ReadOnlyMemory<byte>>();
        var indices = new int[Math.Min(chunk, set.Count)];
        for (int start = 0; start < set.Count; start += chunk)
        {
            int n = Math.Min(chunk, set.Count - start);
            for (int k = 0; k < n; k++) indices[k] = start + k;
            blocks.Add(BatchTensors.ResizedPixels(set, indices.AsSpan(0, n), size));
        }
        return new ImageSet(size, blocks, set.Labels, set.Paths, set.Identities);
    }
}
