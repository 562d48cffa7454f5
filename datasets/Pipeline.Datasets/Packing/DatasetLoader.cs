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

    public static ImageSet Load(string directory, IReadOnlyList<int>? shardIndices = null, bool verifyHashes = false) =>
        Load(DatasetFiles.ReaderFor(directory), shardIndices, verifyHashes);

    /// <param name="shardIndices">Indices into the manifest's shard list; null loads every shard.</param>
    /// <param name="verifyHashes">Check each shard's SHA-256 against the manifest.</param>
    public static ImageSet Load(Func<string, Stream> openRead, IReadOnlyList<int>? shardIndices = null, bool verifyHashes = false)
    {
        var manifest = ReadManifest(openRead);
        var chosen = (shardIndices ?? Enumerable.Range(0, manifest.Shards.Count).ToList())
            .Select(i => (uint)i < (uint)manifest.Shards.Count ? manifest.Shards[i]
                : throw new ArgumentOutOfRangeException(nameof(shardIndices), $"shard {i} not in 0..{manifest.Shards.Count - 1}"))
            .ToList();
        int imageBytes = manifest.ImageSize * manifest.ImageSize * ShardFile.Channels;
        long total = chosen.Sum(s => (long)s.Count);
        if (total * imageBytes > Array.MaxLength) throw new InvalidOperationException($"{total} images do not fit one array; load fewer shards");
        var pixels = new byte[total * imageBytes];
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
            ShardFile.ReadPixels(s, header, pixels.AsSpan(at * imageBytes, (int)header.PixelBytes));
            if (verifyHashes)
            {
                if (s.ReadByte() >= 0) throw new InvalidDataException($"{shard.Name}: bytes after the last image");
                if (s.HashHex() != shard.Sha256) throw new InvalidDataException($"{shard.Name}: SHA-256 does not match the manifest");
            }
            header.Labels.CopyTo(labels, at);
            header.Paths.CopyTo(paths, at);
            at += header.Count;
        }
        return new ImageSet(manifest.ImageSize, pixels, labels, paths, manifest.Identities);
    }
}
