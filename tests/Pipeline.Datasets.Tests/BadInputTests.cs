using System.Formats.Tar;
using System.IO.Compression;

namespace Pipeline.Datasets.Tests;

/// <summary>Each kind of bad input ends in quarantine.json with its reason; everything else is packed.</summary>
public class BadInputTests
{
    private static PackResult Pack(IDatasetSource source, TempDir dir, PackOptions? options = null) =>
        DatasetPacker.Pack(source, options ?? new PackOptions { TempDirectory = dir.Path }, DatasetFiles.WriterFor(dir["packed"]));

    private static void AssertQuarantined(PackResult result, string path, string code)
    {
        var entry = result.Quarantine.FirstOrDefault(q => q.Path == path);
        Assert.True(entry is not null, $"{path} not quarantined; quarantine: {string.Join("; ", result.Quarantine)}");
        Assert.Equal(code, entry.Code);
    }

    [Fact]
    public void Bad_files_in_a_folder_are_quarantined_and_good_ones_packed()
    {
        using var dir = new TempDir();
        var good = TestArchives.SmallSet();
        var root = TestArchives.Folder(dir, good, "drop");
        var png = TestImages.Png(112, 112, 50);
        var jpeg = TestImages.Jpeg(112, 51);
        dir.Write("drop/dave/notes.txt", "not an image"u8.ToArray());
        dir.Write("drop/dave/empty.jpg", []);
        dir.Write("drop/dave/cut.png", png[..(png.Length / 2)]);
        dir.Write("drop/dave/cut.jpg", jpeg[..(jpeg.Length / 2)]);
        var corrupt = (byte[])png.Clone();
        int idat = corrupt.AsSpan().IndexOf("IDAT"u8);
        for (int i = idat + 20; i < idat + 60; i++) corrupt[i] ^= 0x5A;
        dir.Write("drop/dave/corrupt.png", corrupt);
        dir.Write("drop/dave/tiny.jpg", TestImages.Jpeg(16, 52));
        dir.Write("drop/dave/bomb.png", TestImages.PngClaiming(100_000, 100_000));
        dir.Write("drop/dave/copy.jpg", good["alice/alice_0001.jpg"]);
        dir.Write("drop/dave/ok.jpg", TestImages.Jpeg(112, 53));
        dir.Write("drop/stray.jpg", TestImages.Jpeg(112, 54));
        dir.Write("drop/eve/bell\u0007.jpg", TestImages.Jpeg(112, 55));
        Directory.CreateDirectory(dir["drop/frank"]);
        File.CreateSymbolicLink(dir["drop/dave/link.jpg"], dir["drop/alice/alice_0001.jpg"]);
        Directory.CreateSymbolicLink(dir["drop/linked"], dir["drop/alice"]);

        var result = Pack(new DirectorySource(root), dir);

        AssertQuarantined(result, "dave/notes.txt", QuarantineReasons.NotAnImage);
        AssertQuarantined(result, "dave/empty.jpg", QuarantineReasons.EmptyFile);
        AssertQuarantined(result, "dave/cut.png", QuarantineReasons.Truncated);
        AssertQuarantined(result, "dave/cut.jpg", QuarantineReasons.Truncated);
        AssertQuarantined(result, "dave/corrupt.png", QuarantineReasons.Corrupt);
        AssertQuarantined(result, "dave/tiny.jpg", QuarantineReasons.TooSmall);
        AssertQuarantined(result, "dave/bomb.png", QuarantineReasons.TooManyPixels);
        AssertQuarantined(result, "dave/link.jpg", QuarantineReasons.Symlink);
        AssertQuarantined(result, "linked", QuarantineReasons.Symlink);
        AssertQuarantined(result, "stray.jpg", QuarantineReasons.NoIdentityFolder);
        AssertQuarantined(result, "eve/bell\u0007.jpg", QuarantineReasons.UnreadableName);
        AssertQuarantined(result, "frank/", QuarantineReasons.EmptyIdentity);
        // alice/alice_0001.jpg sorts before dave/copy.jpg, so the copy is the duplicate.
        AssertQuarantined(result, "dave/copy.jpg", QuarantineReasons.Duplicate);
        Assert.Contains("alice/alice_0001.jpg", result.Quarantine.Single(q => q.Path == "dave/copy.jpg").Reason);

        Assert.Equal(good.Count + 1, result.Manifest.SampleCount);
        Assert.Equal(["alice", "bob", "carol", "dave"], result.Manifest.Identities);
        Assert.Equal(result.Quarantine.Count, result.Manifest.QuarantineCount);
        Assert.Equal(result.Quarantine, DatasetLoader.ReadQuarantine(DatasetFiles.ReaderFor(dir["packed"])));
    }

    [Fact]
    public void Unsafe_paths_links_and_empty_folders_in_a_zip_are_quarantined()
    {
        using var dir = new TempDir();
        var jpeg = TestImages.Jpeg(112, 60);
        var zip = TestArchives.Zip(dir, TestArchives.SmallSet(), extra: z =>
        {
            void Add(string name, byte[] bytes, int? unixMode = null)
            {
                var e = z.CreateEntry(name);
                if (unixMode is { } mode) e.ExternalAttributes = mode << 16;
                using var s = e.Open();
                s.Write(bytes);
            }
            Add("../escape/evil.jpg", jpeg);
            Add("/etc/evil.jpg", TestImages.Jpeg(112, 61));
            Add("alice/link.jpg", "../../etc/passwd"u8.ToArray(), unixMode: 0xA1FF);
            z.CreateEntry("empty/");
            Add("gina/\uFFFDname.jpg", TestImages.Jpeg(112, 62));
        });
        var result = Pack(new ZipSource(zip), dir);
        AssertQuarantined(result, "../escape/evil.jpg", QuarantineReasons.UnsafePath);
        AssertQuarantined(result, "/etc/evil.jpg", QuarantineReasons.UnsafePath);
        AssertQuarantined(result, "alice/link.jpg", QuarantineReasons.Symlink);
        AssertQuarantined(result, "empty/", QuarantineReasons.EmptyIdentity);
        AssertQuarantined(result, "gina/\uFFFDname.jpg", QuarantineReasons.UnreadableName);
        Assert.Equal(10, result.Manifest.SampleCount);
    }

    [Fact]
    public void Unsafe_paths_links_and_empty_folders_in_a_tar_are_quarantined()
    {
        using var dir = new TempDir();
        var tar = TestArchives.Tar(dir, TestArchives.SmallSet(), "set.tar.gz", gzip: true, extra: t =>
        {
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../escape/evil.jpg") { DataStream = new MemoryStream(TestImages.Jpeg(112, 70)) });
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "/abs/evil.jpg") { DataStream = new MemoryStream(TestImages.Jpeg(112, 71)) });
            t.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bob/link.jpg") { LinkName = "/etc/passwd" });
            t.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "bob/hard.jpg") { LinkName = "bob/bob_0001.jpg" });
            t.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "nobody/"));
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "hal/\u0001.jpg") { DataStream = new MemoryStream(TestImages.Jpeg(112, 72)) });
            t.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "bob/pipe"));
        });
        var result = Pack(new TarSource(tar), dir);
        AssertQuarantined(result, "../escape/evil.jpg", QuarantineReasons.UnsafePath);
        AssertQuarantined(result, "/abs/evil.jpg", QuarantineReasons.UnsafePath);
        AssertQuarantined(result, "bob/link.jpg", QuarantineReasons.Symlink);
        AssertQuarantined(result, "bob/hard.jpg", QuarantineReasons.Symlink);
        AssertQuarantined(result, "nobody/", QuarantineReasons.EmptyIdentity);
        AssertQuarantined(result, "hal/\u0001.jpg", QuarantineReasons.UnreadableName);
        AssertQuarantined(result, "bob/pipe", QuarantineReasons.NotARegularFile);
        Assert.Equal(10, result.Manifest.SampleCount);
    }

    [Fact]
    public void Archives_over_the_size_limit_are_refused_whole()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        var tiny = new SourceOptions { MaxArchiveBytes = 1000 };
        foreach (var source in new IDatasetSource[]
        {
            new ZipSource(TestArchives.Zip(dir, files), tiny),
            new TarSource(TestArchives.Tar(dir, files), tiny),
            new TarSource(TestArchives.Tar(dir, files, "set.tgz", gzip: true), tiny),
        })
        {
            var entries = source.Entries().ToList();
            var only = Assert.Single(entries);
            Assert.Equal(source.Name, only.Path);
            Assert.StartsWith(QuarantineReasons.ArchiveTooLarge, only.Rejection);
        }
    }

    [Fact]
    public void Entries_over_the_size_limit_are_refused()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        var zip = TestArchives.Zip(dir, files);
        var result = Pack(new ZipSource(zip, new SourceOptions { MaxEntryBytes = 100 }), dir);
        Assert.Equal(0, result.Manifest.SampleCount);
        Assert.All(result.Quarantine, q => Assert.Equal(QuarantineReasons.EntryTooLarge, q.Code));
    }

    [Fact]
    public void Corrupt_archives_are_quarantined_not_thrown()
    {
        using var dir = new TempDir();
        var notZip = dir.Write("broken.zip", "PK\u0003\u0004 garbage garbage garbage"u8.ToArray());
        var zipEntries = new ZipSource(notZip).Entries().ToList();
        Assert.StartsWith(QuarantineReasons.CorruptArchive, Assert.Single(zipEntries).Rejection);

        var tgz = File.ReadAllBytes(TestArchives.Tar(dir, TestArchives.SmallSet(), "whole.tgz", gzip: true));
        var cut = dir.Write("cut.tgz", tgz[..(tgz.Length * 2 / 3)]);
        var result = Pack(new TarSource(cut), dir);
        Assert.Contains(result.Quarantine, q => q.Path == "cut.tgz" && q.Code == QuarantineReasons.CorruptArchive);
        Assert.True(result.Manifest.SampleCount > 0);
    }

    [Fact]
    public void A_path_repeated_in_a_tar_keeps_the_first_copy()
    {
        using var dir = new TempDir();
        var tar = TestArchives.Tar(dir, TestArchives.SmallSet(), extra: t =>
            t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "alice/alice_0001.jpg") { DataStream = new MemoryStream(TestImages.Jpeg(112, 80)) }));
        var result = Pack(new TarSource(tar), dir);
        AssertQuarantined(result, "alice/alice_0001.jpg", QuarantineReasons.Duplicate);
        Assert.Equal(10, result.Manifest.SampleCount);
    }
}
