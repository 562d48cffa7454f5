namespace Pipeline.Datasets;

/// <summary>
/// Reads a packed dataset back into an <see cref="ImageSet"/>, all shards or a chosen few. Labels
/// keep the manifest's identity list (so shards loaded apart agree); call
/// <see cref="ImageSet.Subset"/> to drop identities a partial load left empty.
/// </summary>
public static class DatasetLoader
{
    public static DatasetManifest ReadManifest(Func<string, Stream> openRead)
    {
        using var s = openRead(DatasetFiles.Manifest);
        return DatasetManifest.ReadFrom(s);
    }

    public static IReadOnlyList<QuarantineEntry> ReadQuarantine(Func<string, Stream> openRead)
    {
        using var s = openRead(DatasetFiles.Quarantine);
        return DatasetFiles.ReadQuarantine(s);
    }

    /// <summary>
    /// A packed dataset in a local folder, its shards mapped from disk rather than read into memory: the set
    /// may be larger than memory, and loading costs only the shards' tables. Dispose the set to unmap them.
    /// </summary>
    /// <param name="shardIndices">Indices into the manifest's shard list; null loads every shard.</param>
    /// <param name="verifyHashes">Check each shard's SHA-256 against the manifest (reads every byte once).</param>
    public static ImageSet Load(string directory, IReadOnlyList<int>? shardIndices = null, bool verifyHashes = false)
    {
        var manifest = ReadManifest(DatasetFiles.ReaderFor(directory));
        var mapped = new MappedShards();
        // Each shard is opened once: the table read and the pixels mapped come from the same file, even if the
        // store replaces it meanwhile (a re-ingest renames a new file over the path).
        FileStream? opened = null;
        Stream Open(string name) => opened = new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var (labels, paths) = ReadShards(manifest, shardIndices, Open, verifyHashes, (_, header, _) =>
                mapped.Add(opened!, header.PixelOffset, header.PixelBytes));
            return new ImageSet(manifest.ImageSize, mapped.Blocks, labels, paths, manifest.Identities, mapped);
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    /// <summary>A packed dataset from any store (a blob container, a folder): each shard's pixels read into an array of their own.</summary>
    /// <param name="shardIndices">Indices into the manifest's shard list; null loads every shard.</param>
    /// <param name="verifyHashes">Check each shard's SHA-256 against the manifest.</param>
    public static ImageSet Load(Func<string, Stream> openRead, IReadOnlyList<int>? shardIndices = null, bool verifyHashes = false)
    {
        var manifest = ReadManifest(openRead);
        var blocks = new List<ReadOnlyMemory<byte>>();
        var (labels, paths) = ReadShards(manifest, shardIndices, openRead, verifyHashes, (_, header, s) =>
        {
            var pixels = new byte[header.PixelBytes];
            ShardFile.ReadPixels(s, header, pixels);
            blocks.Add(pixels);
        });
        return new ImageSet(manifest.ImageSize, blocks, labels, paths, manifest.Identities);
    }

    /// <summary>
    /// Reads the chosen shards' headers, checks them against the manifest, and hands each to
    /// <paramref name="pixels"/> with its stream at the first pixel (which may read them or not).
    /// </summary>
    private static (int[] Labels, string[] Paths) ReadShards(DatasetManifest manifest, IReadOnlyList<int>? shardIndices,
        Func<string, Stream> openRead, bool verifyHashes, Action<ShardInfo, ShardHeader, Stream> pixels)
    {
        var chosen = (shardIndices ?? Enumerable.Range(0, manifest.Shards.Count).ToList())
            .Select(i => (uint)i < (uint)manifest.Shards.Count ? manifest.Shards[i]
                : throw new ArgumentOutOfRangeException(nameof(shardIndices), $"shard {i} not in 0..{manifest.Shards.Count - 1}"))
            .ToList();
        long total = chosen.Sum(s => (long)s.Count);
        if (total > Array.MaxLength) throw new InvalidOperationException($"{total} images are more than one set can index; load fewer shards");
        var labels = new int[total];
        var paths = new string[total];
        int at = 0;
        foreach (var shard in chosen)
        {
            using var raw = openRead(shard.Name);
            using var s = new HashingStream(raw);
            var header = ShardFile.ReadHeader(s);
            if (header.Count != shard.Count || header.ImageSize != manifest.ImageSize)
                throw new InvalidDataException($"{shard.Name}: holds {header.Count} images of {header.ImageSize}px, manifest says {shard.Count} of {manifest.ImageSize}px");
            pixels(shard, header, s);
            if (verifyHashes)
            {
                s.CopyTo(Stream.Null); // whatever was not read: the pixels of a mapped shard, then anything after them
                if (s.Position != shard.Bytes) throw new InvalidDataException($"{shard.Name}: {s.Position} bytes, the manifest says {shard.Bytes}");
                if (s.HashHex() != shard.Sha256) throw new InvalidDataException($"{shard.Name}: SHA-256 does not match the manifest");
            }
            header.Labels.CopyTo(labels, at);
            header.Paths.CopyTo(paths, at);
            at += header.Count;
        }
        return (labels, paths);
    }
}
