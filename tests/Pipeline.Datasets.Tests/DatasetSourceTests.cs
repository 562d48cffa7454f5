namespace Pipeline.Datasets.Tests;

/// <summary>Every format yields the same entries with the same bytes.</summary>
public class DatasetSourceTests
{
    private static Dictionary<string, byte[]> Read(IDatasetSource source) =>
        source.Entries().Where(e => e.Rejection is null).ToDictionary(e => e.Path, e => e.ReadBytes(1 << 24)!);

    [Theory]
    [InlineData("folder")]
    [InlineData("set.zip")]
    [InlineData("set.tar")]
    [InlineData("set.tar.gz")]
    [InlineData("set.tgz")]
    public void Every_format_round_trips_paths_identities_and_bytes(string kind)
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        string path = kind switch
        {
            "folder" => TestArchives.Folder(dir, files),
            "set.zip" => TestArchives.Zip(dir, files),
            "set.tar" => TestArchives.Tar(dir, files),
            _ => TestArchives.Tar(dir, files, kind, gzip: true),
        };
        var source = DatasetSource.Open(path);
        var entries = source.Entries().ToList();
        Assert.All(entries, e => Assert.Null(e.Rejection));
        Assert.Equal(files.Keys, entries.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.All(entries, e => Assert.Equal(e.Path.Split('/')[0], e.Identity));
        var read = Read(source);
        foreach (var (p, bytes) in files) Assert.Equal(bytes, read[p]);
    }

    [Fact]
    public void Wrapper_folder_inside_an_archive_keeps_the_identity_as_the_parent_folder()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet().ToDictionary(kv => "faces/" + kv.Key, kv => kv.Value);
        var entries = new ZipSource(TestArchives.Zip(dir, files)).Entries().ToList();
        Assert.Contains(entries, e => e.Path == "faces/alice/alice_0001.jpg" && e.Identity == "alice");
    }

    [Fact]
    public void Archive_from_a_non_seekable_stream_is_read()
    {
        using var dir = new TempDir();
        var path = TestArchives.Tar(dir, TestArchives.SmallSet(), "s.tar.gz", gzip: true);
        var source = new TarSource(() => new NonSeekable(File.OpenRead(path)), "s.tar.gz");
        Assert.Equal(10, Read(source).Count);
    }

    [Fact]
    public void Factory_picks_the_reader_from_the_path()
    {
        using var dir = new TempDir();
        var files = TestArchives.SmallSet();
        Assert.IsType<DirectorySource>(DatasetSource.Open(TestArchives.Folder(dir, files)));
        Assert.IsType<ZipSource>(DatasetSource.Open(TestArchives.Zip(dir, files)));
        Assert.IsType<TarSource>(DatasetSource.Open(TestArchives.Tar(dir, files, "a.tar.gz", gzip: true)));
        Directory.CreateDirectory(dir["rec"]);
        RecordIoTestWriter.Insightface([(0, files.First().Value)]).Save(dir["rec/train.rec"], dir["rec/train.idx"]);
        Assert.IsType<RecordIoSource>(DatasetSource.Open(dir["rec"]));
        Assert.IsType<RecordIoSource>(DatasetSource.Open(dir["rec/train.rec"]));
        Assert.Throws<ArgumentException>(() => DatasetSource.Open(dir.Write("x.csv", [1])));
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
        public override void Write(byte[] b, int o, int c) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}
