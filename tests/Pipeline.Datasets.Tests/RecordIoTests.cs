using System.Buffers.Binary;

namespace Pipeline.Datasets.Tests;

public class RecordIoTests
{
    private static List<(int Label, byte[] Jpeg)> Images() =>
        [(0, TestImages.Jpeg(112, 1)), (0, TestImages.Jpeg(112, 2)), (3, TestImages.Jpeg(112, 3)), (7, TestImages.Jpeg(112, 4)), (7, TestImages.Jpeg(112, 5))];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Insightface_rec_yields_images_with_labels_and_skips_header_records(bool withIdx)
    {
        using var dir = new TempDir();
        var images = Images();
        RecordIoTestWriter.Insightface(images).Save(dir["train.rec"], withIdx ? dir["train.idx"] : null);
        var entries = new RecordIoSource(dir["train.rec"]).Entries().ToList();
        Assert.All(entries, e => Assert.Null(e.Rejection));
        Assert.Equal(["0/00000001.jpg", "0/00000002.jpg", "3/00000003.jpg", "7/00000004.jpg", "7/00000005.jpg"], entries.Select(e => e.Path));
        Assert.Equal(["0", "0", "3", "7", "7"], entries.Select(e => e.Identity));
        for (int i = 0; i < images.Count; i++) Assert.Equal(images[i].Jpeg, entries[i].ReadBytes(1 << 20));
    }

    [Fact]
    public void Records_without_a_header_and_with_label_arrays_are_all_images()
    {
        using var dir = new TempDir();
        var w = new RecordIoTestWriter();
        var png = TestImages.Png(112, 112, 9);
        w.Write(0, 0, 12, null, TestImages.Jpeg(112, 8));
        w.Write(1, 2, 0, [5, 99], png);
        w.Save(dir["train.rec"], dir["train.idx"]);
        var entries = new RecordIoSource(dir["train.rec"]).Entries().ToList();
        Assert.Equal(["12/00000000.jpg", "5/00000001.png"], entries.Select(e => e.Path));
        Assert.Equal(png, entries[1].ReadBytes(1 << 20));
    }

    [Fact]
    public void A_payload_holding_the_magic_word_is_split_and_rejoined()
    {
        using var dir = new TempDir();
        var payload = new byte[64];
        for (int i = 0; i < 64; i++) payload[i] = (byte)i;
        // IRHeader is 24 bytes, so payload offset 8 and 40 are 4-byte aligned in the record body.
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(8), RecordIoFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(40), RecordIoFormat.Magic);
        var w = new RecordIoTestWriter();
        w.Write(0, 0, 1, null, payload);
        w.Write(1, 0, 2, null, [1, 2, 3]);
        w.Save(dir["train.rec"], null);
        var raw = File.ReadAllBytes(dir["train.rec"]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4)) >> 29);

        using var reader = new RecordIoReader(File.OpenRead(dir["train.rec"]));
        var record = RecordIoFormat.Unpack(reader.ReadNext()!);
        Assert.Equal(payload, record.Payload.ToArray());
        Assert.Equal(1f, record.ClassLabel);
        Assert.Equal(new byte[] { 1, 2, 3 }, RecordIoFormat.Unpack(reader.ReadNext()!).Payload.ToArray());
        Assert.Null(reader.ReadNext());
    }

    [Fact]
    public void Bad_magic_is_quarantined_and_indexed_reading_goes_on()
    {
        using var dir = new TempDir();
        RecordIoTestWriter.Insightface(Images()).Save(dir["train.rec"], dir["train.idx"]);
        var idx = File.ReadAllLines(dir["train.idx"]);
        long second = long.Parse(idx[2].Split('\t')[1]);
        var rec = File.ReadAllBytes(dir["train.rec"]);
        rec[second] ^= 0xFF;
        File.WriteAllBytes(dir["train.rec"], rec);

        var withIdx = new RecordIoSource(dir["train.rec"]).Entries().ToList();
        Assert.Single(withIdx, e => e.Rejection?.StartsWith(QuarantineReasons.CorruptArchive) == true);
        Assert.Equal(4, withIdx.Count(e => e.Rejection is null));

        File.Delete(dir["train.idx"]);
        var sequential = new RecordIoSource(dir["train.rec"]).Entries().ToList();
        Assert.Equal(1, sequential.Count(e => e.Rejection is null));
        Assert.StartsWith(QuarantineReasons.CorruptArchive, sequential[^1].Rejection);
    }

    [Fact]
    public void Rec_packs_like_any_other_source()
    {
        using var dir = new TempDir();
        RecordIoTestWriter.Insightface(Images()).Save(dir["train.rec"], dir["train.idx"]);
        var result = DatasetPacker.Pack(DatasetSource.Open(dir.Path), new PackOptions { TempDirectory = dir.Path }, DatasetFiles.WriterFor(dir["out"]));
        Assert.Equal(5, result.Manifest.SampleCount);
        Assert.Equal(["0", "3", "7"], result.Manifest.Identities);
        var set = DatasetLoader.Load(dir["out"]);
        Assert.Equal(new ImageValidator().Validate(Images()[2].Jpeg).Pixels, set.Image(2).ToArray());
    }

    [Fact]
    public void Rec_over_the_size_limit_is_refused()
    {
        using var dir = new TempDir();
        RecordIoTestWriter.Insightface(Images()).Save(dir["train.rec"], dir["train.idx"]);
        var only = Assert.Single(new RecordIoSource(dir["train.rec"], null, new SourceOptions { MaxArchiveBytes = 10 }).Entries());
        Assert.StartsWith(QuarantineReasons.ArchiveTooLarge, only.Rejection);
    }
}
