using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

/// <summary>A corrupt record in the middle of a collection's log costs that record, not every record after it.</summary>
public sealed class EmbeddedCorruptionTests : IDisposable
{
    private const int Dim = 32;
    private readonly string _root = TestData.TempDirectory();
    private readonly List<string> _warnings = [];
    private string LogPath => Path.Combine(_root, "faces-m1.fvlog");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private EmbeddedVectorIndex Open() => new(_root, new EmbeddedIndexOptions { Warn = _warnings.Add });

    /// <summary>Writes three batches of 100 points (ids a*, b*, c*); returns the file length after each.</summary>
    private async Task<(long[] Ends, List<FacePoint>[] Batches)> ThreeBatches()
    {
        var batches = new[] { "a", "b", "c" }.Select((p, i) => TestData.Points(100, Dim, "m1", seed: i + 1, idPrefix: p)).ToArray();
        var ends = new long[3];
        using var index = Open();
        await index.CreateCollectionAsync("faces-m1", Dim);
        for (var i = 0; i < 3; i++)
        {
            await index.UpsertAsync("faces-m1", batches[i]);
            ends[i] = new FileInfo(LogPath).Length;
        }
        return (ends, batches);
    }

    private void FlipByte(long offset)
    {
        using var file = new FileStream(LogPath, FileMode.Open);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x10));
    }

    [Theory]
    [InlineData(0.5)]   // in a vector of the middle record
    [InlineData(0.0)]   // in its length field: the framing itself is wrong
    public async Task A_flipped_bit_in_a_middle_record_loses_that_record_and_every_later_one_replays(double where)
    {
        var (ends, batches) = await ThreeBatches();
        FlipByte(ends[0] + (long)((ends[1] - ends[0] - 1) * where));

        using (var index = Open())
        {
            Assert.Equal(200, await index.CountAsync("faces-m1"));
            Assert.Equal(batches[2][42].Id, (await index.SearchAsync("faces-m1", [batches[2][42].Vector], top: 1))[0].Single().Id);
            Assert.Empty(await index.RetrieveAsync("faces-m1", [batches[1][0].Id]));
            var recovery = index.Recovery("faces-m1");
            Assert.Equal([new CorruptRegion(ends[0], ends[1] - ends[0])], recovery.Corrupt);
            Assert.Equal(0, recovery.TornBytes);
            Assert.Equal(ends[2], new FileInfo(LogPath).Length); // nothing after the corrupt record is cut off
            var warning = Assert.Single(_warnings);
            Assert.Contains(LogPath, warning);
            Assert.Contains($"offset {ends[0]}", warning);
            await index.UpsertAsync("faces-m1", TestData.Points(10, Dim, "m1", seed: 9, idPrefix: "d"));
        }
        using (var index = Open())
        {
            Assert.Equal(210, await index.CountAsync("faces-m1"));
            Assert.Single(index.Recovery("faces-m1").Corrupt); // reported on every open until compacted
            await index.CompactAsync("faces-m1");
        }
        using (var index = Open())
        {
            Assert.Equal(210, await index.CountAsync("faces-m1"));
            Assert.Empty(index.Recovery("faces-m1").Corrupt);
        }
    }

    [Fact]
    public async Task Megabytes_of_garbage_between_records_are_passed_over()
    {
        var (ends, _) = await ThreeBatches();
        var bytes = File.ReadAllBytes(LogPath);
        var garbage = new byte[(3 << 20) + 17]; // over several scan windows
        new Random(5).NextBytes(garbage);
        using (var file = new FileStream(LogPath, FileMode.Create))
        {
            file.Write(bytes.AsSpan(0, (int)ends[1]));
            file.Write(garbage);
            file.Write(bytes.AsSpan((int)ends[1]));
        }

        using var index = Open();
        Assert.Equal(300, await index.CountAsync("faces-m1"));
        Assert.Equal([new CorruptRegion(ends[1], garbage.Length)], index.Recovery("faces-m1").Corrupt);
    }

    [Fact]
    public async Task A_corrupt_last_record_is_still_a_torn_tail_and_truncated()
    {
        var (ends, _) = await ThreeBatches();
        FlipByte(ends[2] - 10);

        using var index = Open();
        Assert.Equal(200, await index.CountAsync("faces-m1"));
        var recovery = index.Recovery("faces-m1");
        Assert.Empty(recovery.Corrupt);
        Assert.Equal(ends[2] - ends[1], recovery.TornBytes);
        Assert.Empty(_warnings);
    }
}
