using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;
using Pipeline.Ingest;
using Pipeline.ServiceDefaults;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// Hostile drops through the real IngestConsumer on a local folder store, one child process per case so
/// that one case's peak memory cannot mask another's; prints input, outcome and the child's peak RSS.
/// Usage: hostile [--case NAME[,NAME]] [--entries N] [--cores C] [--timeout S]
/// </summary>
public sealed class HostileInputBench : IBenchmark
{
    private const int ZeroEntryBytes = 32 << 20;

    public string Name => "hostile";
    public string Description => "hostile drops (zero-filled archives, deep paths, links, FIFOs, bad RecordIO) -> outcome + peak RSS";

    private static readonly Dictionary<string, (string Input, Action<string, int> Build)> Cases = new()
    {
        ["tar-zeros"] = ("N x 32 MiB zero-filled entries, .tar", (d, n) => ZeroArchive(d, "zeros.tar", n, gzip: false)),
        ["tgz-zeros"] = ("N x 32 MiB zero-filled entries, .tar.gz", (d, n) => ZeroArchive(d, "zeros.tar.gz", n, gzip: true)),
        ["tgz-fast-zeros"] = ("N x 32 MiB zero-filled entries, .tar.gz at gzip's fastest level (about 100x: under the ratio limit)", (d, n) => ZeroArchive(d, "fast.tar.gz", n, gzip: true, level: CompressionLevel.Fastest)),
        ["zip-zeros"] = ("N x 32 MiB zero-filled entries, .zip", (d, n) => ZeroZip(d, "zeros.zip", n)),
        ["tgz-small-zeros"] = ("64 x N 1 MiB zero-filled entries, .tar.gz", (d, n) => ZeroArchive(d, "small.tar.gz", 64 * n, gzip: true, entryBytes: 1 << 20)),
        ["tgz-pax-header"] = ("a PAX header block whose size field says 1 GiB (of zeros), .tar.gz", (d, _) => PaxHeaderBomb(d)),
        ["tar-deep-long"] = ("a 2000-segment path and a 70000-char name, .tar", (d, _) => DeepLongTar(d)),
        ["folder-links-fifo"] = ("folder drop: symlink to /etc/passwd, folder symlink to /etc, a FIFO", (d, _) => LinksAndFifo(d)),
        ["dir-links-fifo"] = ("the same folder read by DirectorySource (as `pipeline train --data` does)", (d, _) => LinksAndFifo(Local(d))),
        ["rec-huge-length"] = ("train.rec whose record header claims 512 MiB, .idx pointing at it 8 times", (d, _) => RecHugeLength(d)),
        ["rec-bad-offsets"] = ("train.idx offsets negative, past the end, mid-record, 2^62", (d, _) => RecBadOffsets(d)),
        ["rec-multipart"] = ("one record split into N x 16 MiB parts (cflag 1,2..,3)", (d, n) => RecMultipart(d, n)),
        ["png-huge-dims"] = ("16 PNGs of 7000x7000 (49 Mpx each), .tar", (d, _) => HugePngs(d)),
    };

    public async Task<int> RunAsync(string[] args)
    {
        if (BenchArgs.Text(args, "--child") is { } child) return await ChildAsync(child, BenchArgs.Required(args, "--root"));
        var names = (BenchArgs.Text(args, "--case") ?? string.Join(',', Cases.Keys)).Split(',');
        int entries = BenchArgs.Int(args, "--entries", 64), cores = BenchArgs.Int(args, "--cores", 16), timeout = BenchArgs.Int(args, "--timeout", 120);
        Console.WriteLine($"| input | outcome | peak RSS | wall |   (N = {entries}, {cores} cores as the runtime sees them)");
        Console.WriteLine("|---|---|---|---|");
        foreach (var name in names)
        {
            if (!Cases.TryGetValue(name, out var c)) { Console.Error.WriteLine($"unknown case {name}; cases: {string.Join(", ", Cases.Keys)}"); return 2; }
            string root = Path.Combine(Path.GetTempPath(), $"hostile-{name}-{Environment.ProcessId}");
            try
            {
                c.Build(Path.Combine(root, "store", BlobContainers.Drops), entries);
                var (outcome, peak, wall) = RunChild(name, root, cores, timeout);
                Console.WriteLine($"| {name}: {c.Input.Replace("N ", $"{entries} ")} | {outcome} | {peak / 1048576.0:F0} MiB | {wall:F1} s |");
            }
            finally
            {
                if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            }
        }
        return 0;
    }

    /// <summary>Runs one ingest in a fresh process; a child still running at the timeout is measured, then killed.</summary>
    private static (string Outcome, long PeakBytes, double WallSeconds) RunChild(string name, string root, int cores, int timeoutSeconds)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "hostile", "--child", name, "--root", root }) psi.ArgumentList.Add(a);
        // The packer sizes its parallelism from the core count: emulate a bigger machine than this one.
        psi.Environment["DOTNET_PROCESSOR_COUNT"] = cores.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Refresh();
            long peak = p.PeakWorkingSet64;
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return ($"**blocked**: still running after {timeoutSeconds} s, killed", peak, clock.Elapsed.TotalSeconds);
        }
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = lines.LastOrDefault(l => l.StartsWith("RESULT\t", StringComparison.Ordinal));
        if (result is null)
            return ($"**crashed** (exit {p.ExitCode}): {Last(stderr.Result)}", 0, clock.Elapsed.TotalSeconds);
        var parts = result.Split('\t');
        return (parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture), clock.Elapsed.TotalSeconds);
    }

    private static string Last(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal))
        ?? text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";

    /// <summary>A case built here is packed straight from a local folder instead of going through the store.</summary>
    private static string Local(string drops) => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(drops)!)!, "local");

    /// <summary>The child: the drop named by the case's input, ingested by IngestConsumer as the service would.</summary>
    private static async Task<int> ChildAsync(string name, string root)
    {
        if (Directory.Exists(Path.Combine(root, "local"))) return PackLocal(Path.Combine(root, "local", "linked"), root);
        var store = new LocalFolderBlobStore(Path.Combine(root, "store"));
        var drops = Path.Combine(root, "store", BlobContainers.Drops);
        var dropName = Directory.EnumerateFileSystemEntries(drops).Select(Path.GetFileName).OfType<string>().Single(n => !n.StartsWith('.'));
        var consumer = new IngestConsumer(store, new ServiceSettings { WorkRoot = Path.Combine(root, "work") }, new IngestSettings(),
            NullLogger<IngestConsumer>.Instance);
        string outcome;
        try
        {
            var result = await consumer.IngestAsync(new DatasetDropped("hostile", new RunPlan(), dropName, DateTimeOffset.UtcNow), CancellationToken.None);
            outcome = result switch
            {
                DatasetIngested i => $"ingested {i.Samples} images; quarantined: {await QuarantineCodesAsync(store, i.Dataset.DatasetId)}",
                StageFailed f => $"refused: {Shorten(f.Reason)}",
                _ => result.GetType().Name,
            };
        }
        catch (Exception e)
        {
            outcome = $"**threw** {e.GetType().Name}: {Shorten(e.Message)}";
        }
        Console.WriteLine($"RESULT\t{outcome.Replace('\t', ' ').Replace('\n', ' ').Replace('|', '/')}\t{Process.GetCurrentProcess().PeakWorkingSet64}");
        return 0;
    }

    private static int PackLocal(string folder, string root)
    {
        string outcome;
        try
        {
            var result = DatasetPacker.Pack(DatasetSource.Open(folder), new PackOptions { TempDirectory = root }, DatasetFiles.WriterFor(Path.Combine(root, "packed")));
            outcome = $"packed {result.Manifest.SampleCount} images; quarantined: {Codes(result.Quarantine)}";
        }
        catch (Exception e)
        {
            outcome = $"**threw** {e.GetType().Name}: {Shorten(e.Message)}";
        }
        Console.WriteLine($"RESULT\t{outcome.Replace('\t', ' ').Replace('\n', ' ').Replace('|', '/')}\t{Process.GetCurrentProcess().PeakWorkingSet64}");
        return 0;
    }

    private static async Task<string> QuarantineCodesAsync(IBlobStore store, string datasetId)
    {
        var json = await store.GetBytesAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId));
        if (json is null) return "(no quarantine.json)";
        return Codes(DatasetFiles.ReadQuarantine(new MemoryStream(json)));
    }

    private static string Codes(IReadOnlyList<QuarantineEntry> entries)
    {
        var codes = entries.GroupBy(q => q.Code).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}");
        var example = entries.FirstOrDefault(q => q.Code is not (QuarantineReasons.NotAnImage or QuarantineReasons.Duplicate)) ?? entries.FirstOrDefault();
        return entries.Count == 0 ? "none" : $"{string.Join(", ", codes)} (e.g. {Shorten(example!.Path, 40)}: {Shorten(example.Reason)})";
    }

    private static string Shorten(string s, int max = 160) => s.Length <= max ? s : s[..(max / 2)] + "..." + s[^(max / 2 - 3)..];

    // ---- inputs ----------------------------------------------------------------------------------

    private static byte[] Jpeg(int seed, int size = 112)
    {
        using var bmp = new SKBitmap(size, size);
        using (var canvas = new SKCanvas(bmp))
        {
            var r = new Random(seed);
            canvas.Clear(new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)));
            using var paint = new SKPaint { Color = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)) };
            canvas.DrawCircle(r.Next(size), r.Next(size), size / 3f, paint);
        }
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>Four good images in two identities, so a drop that survives has something to pack.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> GoodImages() =>
        Enumerable.Range(0, 4).Select(i => ($"{(i < 2 ? "alice" : "bob")}/good-{i}.jpg", Jpeg(i + 1)));

    private static void ZeroArchive(string drops, string file, int entries, bool gzip, int entryBytes = ZeroEntryBytes,
        CompressionLevel level = CompressionLevel.SmallestSize)
    {
        Directory.CreateDirectory(drops);
        using var fs = File.Create(Path.Combine(drops, file));
        using Stream body = gzip ? new GZipStream(fs, level) : fs;
        using var tar = new TarWriter(body, TarEntryFormat.Pax);
        foreach (var (name, bytes) in GoodImages())
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        var zeros = new byte[entryBytes];
        for (int i = 0; i < entries; i++)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"zeros/zero-{i:D5}.jpg") { DataStream = new MemoryStream(zeros, writable: false) });
    }

    private static void ZeroZip(string drops, string file, int entries)
    {
        Directory.CreateDirectory(drops);
        using var zip = ZipFile.Open(Path.Combine(drops, file), ZipArchiveMode.Create);
        foreach (var (name, bytes) in GoodImages())
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }
        var zeros = new byte[ZeroEntryBytes];
        for (int i = 0; i < entries; i++)
        {
            using var s = zip.CreateEntry($"zeros/zero-{i:D5}.jpg", CompressionLevel.SmallestSize).Open();
            s.Write(zeros);
        }
    }

    private static void PaxHeaderBomb(string drops)
    {
        Directory.CreateDirectory(drops);
        using var fs = File.Create(Path.Combine(drops, "pax.tar.gz"));
        using var gz = new GZipStream(fs, CompressionLevel.SmallestSize);
        var header = new byte[512];
        void Field(int offset, string text) => System.Text.Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Field(0, "PaxHeaders/bomb");
        foreach (var offset in new[] { 100, 108, 116 }) Field(offset, "0000000\0");
        Field(124, Convert.ToString(1L << 30, 8).PadLeft(11, '0') + "\0");
        Field(136, "00000000000\0");
        Field(148, "        ");
        header[156] = (byte)'x';
        Field(257, "ustar\0");
        Field(263, "00");
        Field(148, Convert.ToString(header.Sum(b => (int)b), 8).PadLeft(6, '0') + "\0 ");
        gz.Write(header);
        var zeros = new byte[1 << 20];
        for (int i = 0; i < 1024; i++) gz.Write(zeros);
    }

    private static void DeepLongTar(string drops)
    {
        Directory.CreateDirectory(drops);
        using var fs = File.Create(Path.Combine(drops, "paths.tar"));
        using var tar = new TarWriter(fs, TarEntryFormat.Pax);
        foreach (var (name, bytes) in GoodImages())
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        var deep = string.Concat(Enumerable.Repeat("d/", 2000)) + "deep.jpg";
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, deep) { DataStream = new MemoryStream(Jpeg(10)) });
        var longName = "carol/" + new string('n', 70_000) + ".jpg";
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, longName) { DataStream = new MemoryStream(Jpeg(11)) });
    }

    private static void LinksAndFifo(string drops)
    {
        var drop = Path.Combine(drops, "linked");
        foreach (var (name, bytes) in GoodImages())
        {
            var file = Path.Combine(drop, name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
        }
        File.CreateSymbolicLink(Path.Combine(drop, "alice", "passwd.jpg"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(drop, "etc"), "/etc");
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(drop, "bob", "pipe.jpg"))) mkfifo.WaitForExit();
        File.WriteAllText(Path.Combine(drop, DropLayout.ReadyMarker), "{}");
    }

    private static void RecHugeLength(string drops)
    {
        var rec = new RecWriter(Path.Combine(drops, "rec"));
        rec.GoodImages();
        long bad = rec.Position;
        rec.RawHeader(0, RecordIoFormat.LengthMask); // 512 MiB promised, 16 bytes present
        rec.Raw(new byte[16]);
        rec.Save(extraIndex: Enumerable.Range(0, 8).Select(i => (100L + i, bad)));
    }

    private static void RecBadOffsets(string drops)
    {
        var rec = new RecWriter(Path.Combine(drops, "rec"));
        rec.GoodImages();
        rec.Save(extraIndex: [(100, -5), (101, rec.Position + 4096), (102, 2), (103, 1L << 62)]);
    }

    private static void RecMultipart(string drops, int parts)
    {
        var rec = new RecWriter(Path.Combine(drops, "rec"));
        rec.GoodImages();
        long start = rec.Position;
        var part = new byte[16 << 20];
        BinaryPrimitives.WriteSingleLittleEndian(part.AsSpan(4), 7f); // IRHeader label 7 in the first part
        for (int i = 0; i < parts; i++)
        {
            rec.RawHeader(i == 0 ? 1u : i == parts - 1 ? 3u : 2u, (uint)part.Length);
            rec.Raw(part);
        }
        rec.Save(extraIndex: [(100, start)]);
    }

    private static void HugePngs(string drops)
    {
        Directory.CreateDirectory(drops);
        byte[] png;
        using (var bmp = new SKBitmap(7000, 7000))
        {
            bmp.Erase(new SKColor(90, 120, 150));
            using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
            png = data.ToArray();
        }
        using var fs = File.Create(Path.Combine(drops, "huge.tar"));
        using var tar = new TarWriter(fs, TarEntryFormat.Pax);
        foreach (var (name, bytes) in GoodImages())
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        for (int i = 0; i < 16; i++)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"huge/h{i:D2}.png") { DataStream = new MemoryStream(png) });
    }

    /// <summary>A train.rec written by hand (dmlc framing, IRHeader), with room for malformed records.</summary>
    private sealed class RecWriter(string folder)
    {
        private readonly FileStream _rec = Create(folder);
        private readonly List<(long Key, long Offset)> _index = [];

        private static FileStream Create(string folder)
        {
            Directory.CreateDirectory(folder);
            return File.Create(Path.Combine(folder, "train.rec"));
        }

        public long Position => _rec.Position;

        public void GoodImages()
        {
            int key = 1;
            foreach (var (name, bytes) in HostileInputBench.GoodImages())
            {
                var body = new byte[IRHeader.Size + bytes.Length];
                BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(4), name.StartsWith("alice", StringComparison.Ordinal) ? 0 : 1);
                bytes.CopyTo(body, IRHeader.Size);
                _index.Add((key++, _rec.Position));
                RawHeader(0, (uint)body.Length);
                Raw(body);
            }
        }

        public void RawHeader(uint cflag, uint length)
        {
            Span<byte> h = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(h, RecordIoFormat.Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], cflag << RecordIoFormat.LengthBits | length);
            _rec.Write(h);
        }

        public void Raw(byte[] bytes)
        {
            _rec.Write(bytes);
            _rec.Write(new byte[RecordIoFormat.Padded(bytes.Length) - bytes.Length]);
        }

        public void Save(IEnumerable<(long Key, long Offset)> extraIndex)
        {
            _rec.Dispose();
            File.WriteAllLines(Path.Combine(folder, "train.idx"), _index.Concat(extraIndex).Select(e => $"{e.Key}\t{e.Offset}"));
            File.WriteAllText(Path.Combine(folder, DropLayout.ReadyMarker), "{}");
        }
    }
}
