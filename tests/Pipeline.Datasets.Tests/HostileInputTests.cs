using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Pipeline.Datasets.Tests;

/// <summary>
/// Hostile inputs stay within bounds: bombs are refused by their figures (with the code and the number),
/// nothing is buffered past its limit, and only regular files are ever opened. Peak memory itself is
/// measured by `bench hostile`; here, what each fix changes is checked on real archives and folders.
/// </summary>
public class HostileInputTests
{
    private const int MiB = 1 << 20;

    private static PackResult Pack(IDatasetSource source, TempDir dir, PackOptions? options = null, IProgress<PackProgress>? progress = null) =>
        DatasetPacker.Pack(source, options ?? new PackOptions { TempDirectory = dir.Path }, DatasetFiles.WriterFor(dir["packed"]), progress);

    private static QuarantineEntry Quarantined(PackResult result, string path, string code)
    {
        var entry = result.Quarantine.FirstOrDefault(q => q.Path == path);
        Assert.True(entry is not null, $"{path} not quarantined; quarantine: {string.Join("; ", result.Quarantine)}");
        Assert.Equal(code, entry.Code);
        return entry;
    }

    /// <summary>Good images, then zero-filled entries, gzipped at the smallest size (zeros deflate about 1000x; at Fastest only about 100x).</summary>
    private static string ZeroTarGz(TempDir dir, string name, int entries, int entryBytes)
    {
        var zeros = new byte[entryBytes];
        using (var file = File.Create(dir[name]))
        using (var gz = new GZipStream(file, CompressionLevel.SmallestSize))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
        {
            foreach (var (entryName, bytes) in TestArchives.SmallSet())
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(bytes) });
            for (int i = 0; i < entries; i++)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"zeros/z{i:D3}.jpg") { DataStream = new MemoryStream(zeros, writable: false) });
        }
        return dir[name];
    }

    [Fact]
    public void Hostile_tar_gz_of_zero_filled_entries_is_refused_for_its_ratio_before_it_is_expanded()
    {
        using var dir = new TempDir();
        var tgz = ZeroTarGz(dir, "bomb.tar.gz", entries: 16, entryBytes: 8 * MiB);
        long rawRead = 0;
        var source = new TarSource(() => new ReadCounter(File.OpenRead(tgz), n => rawRead += n), "bomb.tar.gz");

        var result = Pack(source, dir);

        var refusal = result.Quarantine.First(q => q.Code == QuarantineReasons.CompressionRatio);
        Assert.Contains("expands", refusal.Reason);
        Assert.Contains("> limit 100x", refusal.Reason);
        Assert.True(!result.Quarantine.Any(q => q.Code == QuarantineReasons.NotAnImage), string.Join("; ", result.Quarantine));
        Assert.Equal(10, result.Manifest.SampleCount); // the good images before the bomb are kept
        Assert.True(rawRead < new FileInfo(tgz).Length, $"read {rawRead} of {new FileInfo(tgz).Length} compressed bytes: the rest should be left unread");
    }

    [Fact]
    public void Hostile_tar_PAX_header_block_is_not_read_past_1_MiB()
    {
        using var dir = new TempDir();
        var tgz = dir["pax.tar.gz"];
        using (var file = File.Create(tgz))
        using (var gz = new GZipStream(file, CompressionLevel.SmallestSize))
            PaxBomb(gz, 64 * MiB);
        long rawRead = 0;
        var source = new TarSource(() => new ReadCounter(File.OpenRead(tgz), n => rawRead += n), "pax.tar.gz");

        var only = Assert.Single(source.Entries());

        Assert.Equal("corrupt-archive: a tar header block (PAX or long name) over 1048576 bytes", only.Rejection);
        Assert.True(rawRead < new FileInfo(tgz).Length / 4, $"read {rawRead} of {new FileInfo(tgz).Length} compressed bytes");
    }

    /// <summary>A PAX extended header ('x') whose size field promises <paramref name="size"/> bytes, then as many zeros.</summary>
    internal static void PaxBomb(Stream s, long size)
    {
        var header = new byte[512];
        void Field(int offset, string text) => System.Text.Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Field(0, "PaxHeaders/bomb");
        Field(100, "0000644\0");
        Field(108, "0000000\0");
        Field(116, "0000000\0");
        Field(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Field(136, "00000000000\0");
        Field(148, "        ");
        header[156] = (byte)'x';
        Field(257, "ustar\0");
        Field(263, "00");
        Field(148, Convert.ToString(header.Sum(b => (int)b), 8).PadLeft(6, '0') + "\0 ");
        s.Write(header);
        var zeros = new byte[MiB];
        for (long left = size; left > 0; left -= zeros.Length) s.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
    }

    [Fact]
    public void Hostile_zip_entry_that_expands_past_the_ratio_is_refused_from_its_header()
    {
        using var dir = new TempDir();
        var zip = TestArchives.Zip(dir, TestArchives.SmallSet(), extra: z =>
        {
            using var s = z.CreateEntry("zeros/z.jpg", CompressionLevel.SmallestSize).Open();
            s.Write(new byte[8 * MiB]);
        });

        var result = Pack(new ZipSource(zip), dir);

        var entry = Quarantined(result, "zeros/z.jpg", QuarantineReasons.CompressionRatio);
        Assert.Contains($"{8 * MiB} bytes from", entry.Reason);
        Assert.Equal(10, result.Manifest.SampleCount);
    }

    [Fact]
    public void Hostile_zip_from_a_stream_that_cannot_seek_is_spooled_to_disk_not_memory()
    {
        using var dir = new TempDir();
        var noise = new byte[8 * MiB];
        new Random(3).NextBytes(noise);
        var zip = TestArchives.Zip(dir, TestArchives.SmallSet(), extra: z =>
        {
            using var s = z.CreateEntry("noise/n.bin", CompressionLevel.NoCompression).Open();
            s.Write(noise);
        });
        var source = new ZipSource(() => new ReadCounter(File.OpenRead(zip), _ => { }), "set.zip");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var paths = source.Entries().Select(e => e.Path).ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(11, paths.Count);
        Assert.True(allocated < 2 * MiB, $"{allocated} bytes allocated to list a {new FileInfo(zip).Length}-byte zip");
        Assert.Equal(QuarantineReasons.ArchiveTooLarge,
            Assert.Single(new ZipSource(() => new ReadCounter(File.OpenRead(zip), _ => { }), "set.zip", new SourceOptions { MaxArchiveBytes = MiB }).Entries())
                .Rejection!.Split(':')[0]);
    }

    [Fact]
    public void Hostile_drop_over_MaxDropBytes_stops_reading_and_keeps_what_came_before()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        long firstTwo = files.Values.Take(2).Sum(b => (long)b.Length);
        var limit = new SourceOptions { MaxDropBytes = firstTwo + 4096 }; // the tar's headers count too
        var tar = TestArchives.Tar(dir, files);
        var folder = TestArchives.Folder(dir, files);

        var fromTar = Pack(new TarSource(tar, limit), dir);
        var stop = Quarantined(fromTar, "set.tar", QuarantineReasons.DropTooLarge);
        Assert.Contains($"> limit {limit.MaxDropBytes}", stop.Reason);
        Assert.InRange(fromTar.Manifest.SampleCount, 1, 2);

        using var dir2 = new TempDir();
        var fromFolder = Pack(new DirectorySource(folder, new SourceOptions { MaxDropBytes = firstTwo }), dir2);
        Assert.Equal(2, fromFolder.Manifest.SampleCount);
        Assert.Equal(QuarantineReasons.DropTooLarge, Assert.Single(fromFolder.Quarantine).Code);
    }

    [Fact]
    public void Hostile_batches_close_at_MaxBatchBytes_not_only_at_BatchSize()
    {
        using var dir = new TempDir();
        var noise = new Random(1);
        var files = Enumerable.Range(0, 12).ToDictionary(i => $"big/b{i:D2}.jpg", _ =>
        {
            var b = new byte[400_000];
            noise.NextBytes(b);
            return b;
        });
        var decoded = new List<int>();
        var options = new PackOptions { TempDirectory = dir.Path, MaxBatchBytes = MiB };

        Pack(new DirectorySource(TestArchives.Folder(dir, files)), dir, options, new SyncProgress(p => decoded.Add(p.Quarantined)));

        // A progress report follows each decoded batch (one decodes at a time): 3 entries of 400 kB pass 1 MiB.
        Assert.Equal(3, decoded[0]);
    }

    [Fact]
    public void Hostile_tar_entry_is_read_into_one_array_not_copied_twice()
    {
        using var dir = new TempDir();
        var big = new byte[16 * MiB];
        new Random(2).NextBytes(big);
        var tar = TestArchives.Tar(dir, new Dictionary<string, byte[]> { ["a/big.jpg"] = big });

        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = new TarSource(tar).Entries().Select(e => e.Read(32 * MiB)!.Value.Length).Single();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(big.Length, read);
        Assert.True(allocated < 1.25 * big.Length, $"{allocated} bytes allocated to read a {big.Length}-byte entry");
    }

    [Fact]
    public void Hostile_long_and_deep_paths_are_quarantined_and_do_not_fail_the_pack()
    {
        using var dir = new TempDir();
        var longName = "carol/" + new string('n', 70_000) + ".jpg";
        var deep = string.Concat(Enumerable.Repeat("d/", 40)) + "deep.jpg";
        var tar = TestArchives.Tar(dir, TestArchives.SmallSet(), extra: t =>
        {
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, longName) { DataStream = new MemoryStream(TestImages.Jpeg(112, 80)) });
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, deep) { DataStream = new MemoryStream(TestImages.Jpeg(112, 81)) });
        });

        var result = Pack(new TarSource(tar), dir);

        Assert.Equal(10, result.Manifest.SampleCount);
        var tooLong = result.Quarantine.Where(q => q.Code == QuarantineReasons.PathTooLong).ToList();
        Assert.Equal(2, tooLong.Count);
        Assert.Contains(tooLong, q => q.Reason.Contains("> limit 1024") && q.Path.Length < 300);
        Assert.Contains(tooLong, q => q.Path == deep && q.Reason.Contains("40 folders deep > limit 32"));
    }

    [Fact]
    public void Hostile_folder_nested_past_MaxPathDepth_is_not_walked_further()
    {
        using var dir = new TempDir();
        var root = TestArchives.Folder(dir, TestArchives.SmallSet());
        var nested = string.Join('/', Enumerable.Repeat("n", 8));
        dir.Write($"folder/{nested}/x.jpg", TestImages.Jpeg(112, 90));

        var result = Pack(new DirectorySource(root, new SourceOptions { MaxPathDepth = 4 }), dir);

        Quarantined(result, "n/n/n/n/n/", QuarantineReasons.PathTooLong);
        Assert.Equal(10, result.Manifest.SampleCount);
    }

    [Fact]
    public async Task Hostile_links_and_a_FIFO_in_a_folder_are_quarantined_and_never_opened()
    {
        using var dir = new TempDir();
        var root = TestArchives.Folder(dir, TestArchives.SmallSet());
        File.CreateSymbolicLink(dir["folder/alice/passwd.jpg"], "/etc/passwd");
        Directory.CreateSymbolicLink(dir["folder/etc"], "/etc");
        var fifo = MakeFifo(dir["folder/bob/pipe.jpg"]);
        Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo));
        Assert.Equal(FileKind.Symlink, FileKinds.Of(dir["folder/etc"]));

        var packing = Task.Run(() => Pack(new DirectorySource(root), dir));
        var result = await FinishedAsync(packing, fifo);

        Quarantined(result, "alice/passwd.jpg", QuarantineReasons.Symlink);
        Quarantined(result, "etc", QuarantineReasons.Symlink);
        Assert.Contains("FIFO", Quarantined(result, "bob/pipe.jpg", QuarantineReasons.NotARegularFile).Reason);
        Assert.Equal(10, result.Manifest.SampleCount);
        Assert.Equal(3, result.Quarantine.Count);
    }

    [Fact]
    public async Task Hostile_FIFO_named_as_the_dataset_is_refused_before_it_is_opened()
    {
        using var dir = new TempDir();
        var fifo = MakeFifo(dir["faces.tar.gz"]);
        var open = Task.Run(() => DatasetSource.Open(fifo).Entries().ToList());
        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => FinishedAsync(open, fifo));
        Assert.Contains("FIFO", refusal.Message);
        Assert.Contains(fifo, refusal.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hostile_RecordIO_length_field_is_never_trusted_with_an_allocation(bool seekable)
    {
        var rec = new MemoryStream();
        RecordHeader(rec, 0, RecordIoFormat.LengthMask); // promises 512 MiB
        rec.Write(new byte[64]);
        var bytes = rec.ToArray();
        var source = new RecordIoSource(() => seekable ? new MemoryStream(bytes) : new ReadCounter(new MemoryStream(bytes), _ => { }), null, "train.rec");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var entries = source.Entries().ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var only = Assert.Single(entries);
        Assert.StartsWith(QuarantineReasons.CorruptArchive + ": truncated record body", only.Rejection);
        Assert.True(allocated < 4 * MiB, $"{allocated} bytes allocated for a 72-byte file");
    }

    [Fact]
    public void Hostile_RecordIO_record_of_many_parts_is_skipped_at_the_limit_and_reading_goes_on()
    {
        var rec = new MemoryStream();
        var part = new byte[4 * MiB];
        for (uint i = 0; i < 3; i++)
        {
            RecordHeader(rec, i == 0 ? 1u : i == 2 ? 3u : 2u, (uint)part.Length);
            rec.Write(part);
        }
        var jpeg = TestImages.Jpeg(112, 5);
        var body = new byte[IRHeader.Size + jpeg.Length];
        BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(4), 3);
        jpeg.CopyTo(body, IRHeader.Size);
        RecordHeader(rec, 0, (uint)body.Length);
        rec.Write(body);
        rec.Write(new byte[RecordIoFormat.Padded(body.Length) - body.Length]);
        var bytes = rec.ToArray();
        var source = new RecordIoSource(() => new MemoryStream(bytes), null, "train.rec", new SourceOptions { MaxEntryBytes = MiB });

        long before = GC.GetAllocatedBytesForCurrentThread();
        var entries = source.Entries().ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2, entries.Count);
        Assert.StartsWith(QuarantineReasons.EntryTooLarge, entries[0].Rejection);
        Assert.Contains($"holds {3 * part.Length + 8} bytes", entries[0].Rejection);
        Assert.Equal("3/00000001.jpg", entries[1].Path);
        Assert.True(allocated < 6 * MiB, $"{allocated} bytes allocated to skip a {3 * part.Length}-byte record");
    }

    [Fact]
    public void Hostile_RecordIO_index_offsets_and_endless_lines_are_refused_by_name()
    {
        using var dir = new TempDir();
        var w = new RecordIoTestWriter();
        w.Write(0, 0, 1, null, TestImages.Jpeg(112, 6));
        w.Save(dir["train.rec"], dir["train.idx"]);
        File.AppendAllText(dir["train.idx"], "1\t-5\n2\t4611686018427387904\n");
        var entries = new RecordIoSource(dir["train.rec"]).Entries().ToList();
        Assert.Equal("corrupt-archive: offset -5 is negative", entries.Single(e => e.Path == "train.rec@-5").Rejection);
        Assert.Contains("past the end", entries.Single(e => e.Path == "train.rec@4611686018427387904").Rejection);

        File.WriteAllText(dir["train.idx"], "0\t" + new string('0', 4 * MiB));
        var e = Assert.Throws<InvalidDataException>(() => new RecordIoSource(dir["train.rec"]).Entries().ToList());
        Assert.Equal(".idx line 1: longer than 256 characters", e.Message);
    }

    [Fact]
    public void Hostile_limits_out_of_range_are_refused_naming_the_option()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => new TarSource(() => Stream.Null, "x.tar", new SourceOptions { MaxCompressionRatio = 0.5 }));
        Assert.Contains("SourceOptions.MaxCompressionRatio = 0.5", e.Message);
        e = Assert.Throws<ArgumentException>(() => new DirectorySource(dir.Path, new SourceOptions { MaxPathBytes = 70_000 }));
        Assert.Contains("SourceOptions.MaxPathBytes = 70000", e.Message);
        e = Assert.Throws<ArgumentException>(() => Pack(new DirectorySource(dir.Path), dir, new PackOptions { MaxBatchBytes = 0 }));
        Assert.Contains("PackOptions.MaxBatchBytes = 0", e.Message);
    }

    [Fact]
    public async Task Hostile_decode_budget_makes_a_second_large_decode_wait_and_lets_an_oversize_one_run_alone()
    {
        var budget = new DecodeBudget(100);
        var first = budget.Take(60);
        var second = Task.Run(() => budget.Take(60));
        // 60 + 60 bytes do not fit a 100-byte budget: the second must still be waiting.
        Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(300)));
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        using var alone = budget.Take(500); // larger than the whole budget: runs once nothing else holds any
    }

    /// <summary>The task's result; if it is still blocked (on the FIFO), the FIFO is opened for writing to free it, and the test fails.</summary>
    private static async Task<T> FinishedAsync<T>(Task<T> task, string fifo)
    {
        if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(60))) == task) return await task;
        using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // unblocks the reader
        Assert.Fail($"blocked on {fifo}: a FIFO was opened for reading");
        return default!;
    }

    private static string MakeFifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var p = Process.Start("mkfifo", path);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return path;
    }

    private static void RecordHeader(Stream s, uint cflag, uint length)
    {
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, RecordIoFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], cflag << RecordIoFormat.LengthBits | length);
        s.Write(h);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<PackProgress> report) : IProgress<PackProgress>
    {
        public void Report(PackProgress value) => report(value);
    }

    /// <summary>A non-seekable read-only stream that reports how many bytes pass through.</summary>
    private sealed class ReadCounter(Stream inner, Action<int> counted) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            counted(n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}
