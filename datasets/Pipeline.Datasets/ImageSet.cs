namespace Pipeline.Datasets;

/// <summary>
/// Decoded faces ready for training: RGB bytes, row-major HWC, every image the same square
/// <see cref="Size"/>. Label i indexes <see cref="Identities"/>; <see cref="Paths"/> says where
/// each sample came from (relative to its dataset root, '/'-separated) so decisions can name it.
/// <para>
/// The pixels live in blocks of whole images: one array, one array per shard, or shard files mapped
/// from disk (<see cref="DatasetLoader.Load(string, IReadOnlyList{int}?, bool)"/>), so a set is not
/// bounded by the 2 GB of one .NET array, nor a mapped one by memory. A <see cref="Subset"/> is a view
/// on the same blocks, not a copy. Disposing releases the mapped files once every view of them is
/// disposed; a set that is never disposed keeps them mapped until the process ends.
/// </para>
/// </summary>
public sealed class ImageSet : IDisposable
{
    private readonly IReadOnlyList<ReadOnlyMemory<byte>> _blocks;
    private readonly int[] _block; // sample -> block
    private readonly int[] _slot;  // sample -> image index within its block
    private readonly PixelLease? _lease;
    private int _disposed;

    /// <summary>A set over one array of <c>labels.Length</c> images.</summary>
    public ImageSet(int size, byte[] pixels, int[] labels, IReadOnlyList<string> paths, IReadOnlyList<string> identities)
        : this(size, [pixels], labels, paths, identities) { }

    /// <summary>
    /// A set over <paramref name="blocks"/> of whole images, sample i being the i-th image counting across
    /// the blocks in order. <paramref name="owner"/>, when given, is disposed with the last view of the set.
    /// </summary>
    public ImageSet(int size, IReadOnlyList<ReadOnlyMemory<byte>> blocks, int[] labels, IReadOnlyList<string> paths,
        IReadOnlyList<string> identities, IDisposable? owner = null)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size));
        int imageBytes = size * size * 3;
        long images = 0;
        foreach (var b in blocks)
        {
            if (b.Length % imageBytes != 0) throw new ArgumentException($"a block of {b.Length} bytes does not hold whole {size}x{size}x3 images");
            images += b.Length / imageBytes;
        }
        if (images != labels.Length)
            throw new ArgumentException($"pixels hold {images} images of {size}x{size}x3, expected {labels.Length}");
        Validate(labels, paths, identities);
        _block = new int[labels.Length];
        _slot = new int[labels.Length];
        for (int b = 0, i = 0; b < blocks.Count; b++)
            for (int s = 0, n = blocks[b].Length / imageBytes; s < n; s++, i++) { _block[i] = b; _slot[i] = s; }
        Size = size; _blocks = blocks; Labels = labels; Paths = paths; Identities = identities;
        _lease = owner is null ? null : new PixelLease(owner);
    }

    private ImageSet(ImageSet source, int[] block, int[] slot, int[] labels, IReadOnlyList<string> paths, IReadOnlyList<string> identities)
    {
        Size = source.Size; _blocks = source._blocks; _block = block; _slot = slot;
        Labels = labels; Paths = paths; Identities = identities;
        _lease = source._lease?.Acquire();
    }

    private static void Validate(int[] labels, IReadOnlyList<string> paths, IReadOnlyList<string> identities)
    {
        if (paths.Count != labels.Length) throw new ArgumentException("one path per sample");
        foreach (var l in labels)
            if ((uint)l >= (uint)identities.Count) throw new ArgumentException($"label {l} outside {identities.Count} identities");
    }

    public int Size { get; }
    public int[] Labels { get; }
    public IReadOnlyList<string> Paths { get; }
    public IReadOnlyList<string> Identities { get; }
    public int Count => Labels.Length;
    public int ClassCount => Identities.Count;
    public int ImageBytes => Size * Size * 3;

    /// <summary>Bytes of pixels the set's samples cover (a view counts only its own samples).</summary>
    public long PixelBytes => (long)Count * ImageBytes;

    public ReadOnlySpan<byte> Image(int i)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _blocks[_block[i]].Span.Slice(_slot[i] * ImageBytes, ImageBytes);
    }

    /// <summary>Every sample's pixels in one new array, in sample order (small sets: tests, single queries).</summary>
    public byte[] CopyPixels()
    {
        if (PixelBytes > Array.MaxLength) throw new InvalidOperationException($"{Count} images of {Size}px do not fit one array");
        var all = new byte[PixelBytes];
        for (int i = 0; i < Count; i++) Image(i).CopyTo(all.AsSpan(i * ImageBytes, ImageBytes));
        return all;
    }

    /// <summary>
    /// The samples at <paramref name="indices"/>, as a view on the same pixels. By default identities left
    /// with no sample are removed and labels renumbered, so a model trained on the subset has no dead classes;
    /// with <paramref name="keepIdentities"/> the identity list and labels stay as they are (a shard of
    /// a dataset whose model knows every identity).
    /// </summary>
    public ImageSet Subset(IReadOnlyList<int> indices, bool keepIdentities = false)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var block = new int[indices.Count];
        var slot = new int[indices.Count];
        var labels = new int[indices.Count];
        var paths = new string[indices.Count];
        var remap = keepIdentities ? null : new Dictionary<int, int>();
        var identities = keepIdentities ? Identities : new List<string>();
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"sample {i} not in 0..{Count - 1}");
            block[k] = _block[i]; slot[k] = _slot[i]; paths[k] = Paths[i];
            if (remap is null) { labels[k] = Labels[i]; continue; }
            if (!remap.TryGetValue(Labels[i], out var nl))
            {
                nl = remap.Count;
                remap[Labels[i]] = nl;
                ((List<string>)identities).Add(Identities[Labels[i]]);
            }
            labels[k] = nl;
        }
        return new ImageSet(this, block, slot, labels, paths, identities);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _lease?.Release();
    }

    /// <summary>Shared ownership of mapped pixels: the owner is disposed when the last set viewing them is.</summary>
    private sealed class PixelLease(IDisposable owner)
    {
        private int _holders = 1;

        public PixelLease Acquire()
        {
            // Never from zero: once the last holder has released the pixels they are gone, even for a racing Subset.
            for (int held = Volatile.Read(ref _holders); ; held = Volatile.Read(ref _holders))
            {
                if (held == 0) throw new ObjectDisposedException(nameof(ImageSet), "the pixels this set views were released");
                if (Interlocked.CompareExchange(ref _holders, held + 1, held) == held) return this;
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0) owner.Dispose();
        }
    }
}
