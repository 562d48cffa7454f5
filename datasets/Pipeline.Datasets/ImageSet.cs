namespace Pipeline.Datasets;

/// <summary>
/// Decoded faces ready for training: RGB bytes, row-major HWC, every image the same square
/// <see cref="Size"/>. Label i indexes <see cref="Identities"/>; <see cref="Paths"/> says where
/// each sample came from (relative to its dataset root, '/'-separated) so decisions can name it.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(int size, byte[] pixels, int[] labels, IReadOnlyList<string> paths, IReadOnlyList<string> identities)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size));
        if (pixels.LongLength != (long)labels.Length * size * size * 3)
            throw new ArgumentException($"pixels hold {pixels.LongLength} bytes, expected {labels.Length} x {size}x{size}x3");
        if (paths.Count != labels.Length) throw new ArgumentException("one path per sample");
        foreach (var l in labels)
            if ((uint)l >= (uint)identities.Count) throw new ArgumentException($"label {l} outside {identities.Count} identities");
        Size = size; Pixels = pixels; Labels = labels; Paths = paths; Identities = identities;
    }

    public int Size { get; }
    public byte[] Pixels { get; }
    public int[] Labels { get; }
    public IReadOnlyList<string> Paths { get; }
    public IReadOnlyList<string> Identities { get; }
    public int Count => Labels.Length;
    public int ClassCount => Identities.Count;
    public int ImageBytes => Size * Size * 3;

    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * ImageBytes, ImageBytes);

    /// <summary>
    /// The samples at <paramref name="indices"/>. By default identities left with no sample are
    /// removed and labels renumbered, so a model trained on the subset has no dead classes; with
    /// <paramref name="keepIdentities"/> the identity list and labels stay as they are (a shard of
    /// a dataset whose model knows every identity).
    /// </summary>
    public ImageSet Subset(IReadOnlyList<int> indices, bool keepIdentities = false)
    {
        if (keepIdentities)
        {
            var kept = new byte[(long)indices.Count * ImageBytes];
            for (int k = 0; k < indices.Count; k++) Image(indices[k]).CopyTo(kept.AsSpan(k * ImageBytes, ImageBytes));
            return new ImageSet(Size, kept, indices.Select(i => Labels[i]).ToArray(), indices.Select(i => Paths[i]).ToArray(), Identities);
        }
        var remap = new Dictionary<int, int>();
        var identities = new List<string>();
        var labels = new int[indices.Count];
        var paths = new string[indices.Count];
        var pixels = new byte[(long)indices.Count * ImageBytes];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if (!remap.TryGetValue(Labels[i], out var nl))
            {
                nl = identities.Count;
                remap[Labels[i]] = nl;
                identities.Add(Identities[Labels[i]]);
            }
            labels[k] = nl;
            paths[k] = Paths[i];
            Image(i).CopyTo(pixels.AsSpan(k * ImageBytes, ImageBytes));
        }
        return new ImageSet(Size, pixels, labels, paths, identities);
    }
}
