using Microsoft.Win32.SafeHandles;

namespace Pipeline.Datasets;

/// <summary>
/// Reads a source, validates and decodes every image in parallel, and writes packed shards,
/// quarantine.json and (last) manifest.json through an "open for write by relative name" function.
/// Output is ordered by path, so the same input gives the same bytes whatever the source order;
/// decoded pixels wait in a temp file, never all in memory.
/// </summary>
public static class DatasetPacker
{
    public static Task<PackResult> PackToDirectoryAsync(IDatasetSource source, PackOptions options, string directory,
        IProgress<PackProgress>? progress = null, CancellationToken ct = default) =>
        PackAsync(source, options, DatasetFiles.WriterFor(directory), progress, ct);

    public static Task<PackResult> PackAsync(IDatasetSource source, PackOptions options, Func<string, Stream> openWrite,
        IProgress<PackProgress>? progress = null, CancellationToken ct = default) =>
        Task.Run(() => Pack(source, options, openWrite, progress, ct), ct);

    public static PackResult Pack(IDatasetSource source, PackOptions options, Func<string, Stream> openWrite,
        IProgress<PackProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        string tempPath = Path.Combine(options.TempDirectory ?? Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.pixels");
        using var spill = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        var run = new PackRun(options, spill, progress, ct);
        run.Decode(source);
        return run.Write(source.Name, openWrite);
    }

    private readonly record struct Pending(string Path, string Identity, ReadOnlyMemory<byte> Bytes);

    private readonly record struct Accepted(string Path, string Identity, UInt128 Hash, long Slot);

    private sealed class PackRun(PackOptions options, SafeFileHandle spill, IProgress<PackProgress>? progress, CancellationToken ct)
    {
        private readonly ImageValidator _validator = new(options.Validation);
        private readonly List<Accepted> _accepted = [];
        private readonly List<QuarantineEntry> _quarantine = [];
        private readonly FaceExamples? _examples = options.FaceCrop is null ? null : new();
        // What the read side and the decodes may hold at once (two batches, an entry in reading, the decode budget).
        private readonly HeapCeiling _heap = new(2 * options.MaxBatchBytes + 2 * options.MaxEntryBytes + options.MaxDecodeBytes);
        private int _read;

        private int ImageBytes => _validator.OutputBytes;

        /// <remarks>
        /// At most two batches are held (one read, one decoding), each closed at BatchSize entries or
        /// MaxBatchBytes encoded bytes, whichever comes first: the bound on memory whatever the entries hold.
        /// </remarks>
        public void Decode(IDatasetSource source)
        {
            var batch = new List<Pending>(options.BatchSize);
            long batchBytes = 0;
            Task previous = Task.CompletedTask;
            foreach (var entry in source.Entries(ct))
            {
                _read++;
                _heap.Check();
                if (entry.Rejection is not null)
                {
                    if (!DatasetEntry.IsSidecarFile(entry.Rejection, entry.Path))
                        Quarantine(entry.Path, entry.Rejection);
                    continue;
                }
                ReadOnlyMemory<byte>? bytes = null;
                string? error = null;
                try { bytes = entry.Read(options.MaxEntryBytes); }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { error = e.Message; }
                if (error is not null) Quarantine(entry.Path, QuarantineReasons.Format(QuarantineReasons.Unreadable, error));
                else if (bytes is not { } read) Quarantine(entry.Path, QuarantineReasons.Format(QuarantineReasons.EntryTooLarge, $"over {options.MaxEntryBytes} bytes"));
                else
                {
                    batch.Add(new Pending(entry.Path, entry.Identity, read));
                    batchBytes += read.Length;
                }
                if (batch.Count < options.BatchSize && batchBytes < options.MaxBatchBytes) continue;
                // Decode this batch while the next one is read.
                previous.GetAwaiter().GetResult();
                var full = batch;
                batch = new List<Pending>(options.BatchSize);
                batchBytes = 0;
                previous = Task.Run(() => Process(full), ct);
            }
            previous.GetAwaiter().GetResult();
            Process(batch);
        }

        private void Process(List<Pending> batch)
        {
            var pixels = new byte[batch.Count][];
            var reasons = new string?[batch.Count];
            var hashes = new UInt128[batch.Count];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = ct };
            Parallel.For(0, batch.Count, parallel, i =>
            {
                _heap.Check();
                var rgb = new byte[ImageBytes];
                hashes[i] = ContentHashes.Of(batch[i].Bytes.Span);
                reasons[i] = _validator.TryDecode(batch[i].Bytes.Span, rgb, batch[i].Path, hashes[i]);
                if (reasons[i] is not null) return;
                pixels[i] = rgb;
            });
            for (int i = 0; i < batch.Count; i++)
            {
                _examples?.Offer(batch[i].Path, reasons[i], batch[i].Bytes.Span);
                if (reasons[i] is { } reason) { Quarantine(batch[i].Path, reason); continue; }
                long slot = _accepted.Count;
                RandomAccess.Write(spill, pixels[i], slot * ImageBytes);
                _accepted.Add(new Accepted(batch[i].Path, batch[i].Identity, hashes[i], slot));
            }
            int quarantined;
            lock (_quarantine) quarantined = _quarantine.Count;
            progress?.Report(new PackProgress(_read, _accepted.Count, quarantined));
        }

        private void Quarantine(string path, string reason)
        {
            lock (_quarantine) _quarantine.Add(new QuarantineEntry(path, reason));
        }

        public PackResult Write(string sourceName, Func<string, Stream> openWrite)
        {
            var kept = new List<Accepted>(_accepted.Count);
            var firstWithHash = new Dictionary<UInt128, string>();
            string? previousPath = null;
            // Stable sort: two entries with one path (a tar may repeat a name) keep archive order.
            foreach (var a in _accepted.OrderBy(a => a.Path, StringComparer.Ordinal).ThenBy(a => a.Slot))
            {
                if (a.Path == previousPath)
                    Quarantine(a.Path, QuarantineReasons.Format(QuarantineReasons.Duplicate, "the same path appears twice in the input"));
                else if (firstWithHash.TryGetValue(a.Hash, out var first))
                    Quarantine(a.Path, QuarantineReasons.Format(QuarantineReasons.Duplicate, $"same bytes as {first}"));
                else
                {
                    firstWithHash[a.Hash] = a.Path;
                    kept.Add(a);
                }
                previousPath = a.Path;
            }
            var identities = kept.Select(a => a.Identity).Distinct().Order(StringComparer.Ordinal).ToList();
            var labelOf = identities.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);

            var shards = new List<ShardInfo>();
            var buffer = new byte[ImageBytes];
            for (int start = 0, index = 0; start < kept.Count; start += options.ShardSize, index++)
            {
                ct.ThrowIfCancellationRequested();
                var chunk = kept.GetRange(start, Math.Min(options.ShardSize, kept.Count - start));
                string name = ShardFile.NameOf(index);
                using var hashing = new HashingStream(openWrite(name));
                var writer = new ShardWriter(hashing, options.ImageSize, chunk.Select(a => labelOf[a.Identity]).ToList(), chunk.Select(a => a.Path).ToList());
                foreach (var a in chunk)
                {
                    RandomAccess.Read(spill, buffer, a.Slot * ImageBytes);
                    writer.Append(buffer);
                }
                writer.Complete();
                shards.Add(new ShardInfo(name, chunk.Count, hashing.BytesSeen, hashing.HashHex()));
            }

            var quarantine = _quarantine.OrderBy(q => q.Path, StringComparer.Ordinal).ThenBy(q => q.Reason, StringComparer.Ordinal).ToList();
            using (var q = openWrite(DatasetFiles.Quarantine)) DatasetFiles.WriteQuarantine(q, quarantine);
            var manifest = new DatasetManifest
            {
                DatasetId = options.DatasetId,
                Source = sourceName,
                ImageSize = options.ImageSize,
                SampleCount = kept.Count,
                QuarantineCount = quarantine.Count,
                Identities = identities,
                Shards = shards,
            };
            _examples?.Write(openWrite, kept.Select(a => a.Path).ToHashSet(StringComparer.Ordinal));
            using (var m = openWrite(DatasetFiles.Manifest)) manifest.WriteTo(m);
            progress?.Report(new PackProgress(_read, kept.Count, quarantine.Count));
            return new PackResult(manifest, quarantine);
        }
    }
}
