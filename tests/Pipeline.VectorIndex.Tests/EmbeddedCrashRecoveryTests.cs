using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

/// <summary>The embedded index's file survives a process dying mid-write, exact and quantised collections alike.</summary>
public sealed class EmbeddedCrashRecoveryTests : IDisposable
{
    private const int Dim = 32;
    private readonly string _root = TestData.TempDirectory();
    private string LogPath => Path.Combine(_root, "faces-m1.fvlog");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private EmbeddedVectorIndex Open() => new(_root);

    /// <summary>Writes two batches; returns the file length after each.</summary>
    private async Task<(long AfterFirst, long AfterSecond, List<FacePoint> First, List<FacePoint> Second)> TwoBatches(
        VectorQuantization quantization = VectorQuantization.None)
    {
        var first = TestData.Points(100, Dim, "m1", seed: 1, idPrefix: "a");
        var second = TestData.Points(100, Dim, "m1", seed: 2, idPrefix: "b");
        using var index = Open();
        await index.CreateCollectionAsync("faces-m1", Dim, quantization);
        await index.UpsertAsync("faces-m1", first);
        var afterFirst = new FileInfo(LogPath).Length;
        await index.UpsertAsync("faces-m1", second);
        return (afterFirst, new FileInfo(LogPath).Length, first, second);
    }

    [Theory]
    [InlineData(VectorQuantization.None)]
    [InlineData(VectorQuantization.Int8)]
    public async Task TornLastRecord_IsDropped_AndEarlierBatchesSurvive(VectorQuantization quantization)
    {
        var (afterFirst, afterSecond, first, _) = await TwoBatches(quantization);
        using (var file = File.OpenWrite(LogPath)) file.SetLength((afterFirst + afterSecond) / 2); // died mid-append

        using var index = Open();
        Assert.Equal(afterSecond - afterFirst - (afterSecond - (afterFirst + afterSecond) / 2), index.Load("faces-m1"));
        Assert.Equal(100, await index.CountAsync("faces-m1"));
        Assert.Equal(quantization, await index.QuantizationAsync("faces-m1"));
        var hit = (await index.SearchAsync("faces-m1", [first[42].Vector], top: 1))[0].Single();
        Assert.Equal(first[42].Id, hit.Id);
        Assert.Equal(afterFirst, new FileInfo(LogPath).Length);
    }

    [Theory]
    [InlineData(3, VectorQuantization.None)]      // shorter than a record header
    [InlineData(8, VectorQuantization.None)]      // a header and nothing else
    [InlineData(5000, VectorQuantization.None)]   // a plausible-looking record whose checksum fails
    [InlineData(5000, VectorQuantization.Int8)]
    public async Task GarbageTail_IsTruncated_AndAppendingContinuesCleanly(int garbageBytes, VectorQuantization quantization)
    {
        var (_, afterSecond, _, second) = await TwoBatches(quantization);
        var garbage = new byte[garbageBytes];
        new Random(3).NextBytes(garbage);
        if (garbageBytes >= 8) BitConverter.GetBytes(garbageBytes - 8).CopyTo(garbage, 0); // a length that fits the file
        using (var file = new FileStream(LogPath, FileMode.Append)) file.Write(garbage);

        using (var index = Open())
        {
            Assert.Equal(200, await index.CountAsync("faces-m1"));
            Assert.Equal(afterSecond, new FileInfo(LogPath).Length);
            await index.UpsertAsync("faces-m1", TestData.Points(10, Dim, "m1", seed: 4, idPrefix: "c"));
        }
        using (var index = Open())
        {
            Assert.Equal(210, await index.CountAsync("faces-m1"));
            Assert.Equal(quantization, await index.QuantizationAsync("faces-m1"));
            Assert.Equal(second[7].Id, (await index.SearchAsync("faces-m1", [second[7].Vector], top: 1))[0][0].Id);
        }
    }

    [Fact]
    public async Task FlippedByteInLastRecord_FailsItsChecksum_AndOnlyThatRecordIsLost()
    {
        var (afterFirst, afterSecond, _, _) = await TwoBatches();
        using (var file = new FileStream(LogPath, FileMode.Open))
        {
            file.Position = afterSecond - 10;
            var b = file.ReadByte();
            file.Position = afterSecond - 10;
            file.WriteByte((byte)(b ^ 0x5A));
        }

        using var index = Open();
        Assert.Equal(100, await index.CountAsync("faces-m1"));
        Assert.Equal(afterFirst, new FileInfo(LogPath).Length);
    }

    [Fact]
    public async Task LeftoverTempFiles_FromInterruptedRewrites_AreIgnoredAndRemoved()
    {
        await TwoBatches();
        using (var index = Open()) await index.SetAliasAsync("faces", "faces-m1");
        // Died while writing a compaction, a new collection and the alias table: only the .tmp files hold partial data.
        File.WriteAllBytes(LogPath + ".tmp", [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(_root, "faces-m2.fvlog.tmp"), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(_root, "aliases.json.tmp"), "{\"faces\": \"faces-m");

        using (var index = Open())
        {
            Assert.Equal(["faces-m1"], await index.ListCollectionsAsync());
            Assert.Equal("faces-m1", await index.ResolveAsync("faces"));
            Assert.Equal(200, await index.CountAsync("faces"));
        }
        Assert.Empty(Directory.EnumerateFiles(_root, "*.tmp"));
    }

    [Theory]
    [InlineData(VectorQuantization.None)]
    [InlineData(VectorQuantization.Int8)]
    public async Task Compaction_ShrinksTheLog_AndKeepsEveryLivePoint(VectorQuantization quantization)
    {
        var points = TestData.Points(400, Dim, "m1", seed: 5);
        using (var index = new EmbeddedVectorIndex(_root, new EmbeddedIndexOptions { CompactAfterDeadPoints = int.MaxValue }))
        {
            await index.CreateCollectionAsync("faces-m1", Dim, quantization);
            for (var round = 0; round < 5; round++) await index.UpsertAsync("faces-m1", points); // 4 dead copies of each
            await index.DeleteAsync("faces-m1", points.Take(100).Select(p => p.Id).ToList());
            var before = new FileInfo(LogPath).Length;

            await index.CompactAsync("faces-m1");

            Assert.True(new FileInfo(LogPath).Length < before / 4, "compaction should drop superseded records");
            await index.UpsertAsync("faces-m1", TestData.Points(5, Dim, "m1", seed: 6, idPrefix: "n"));
        }
        using (var index = Open())
        {
            Assert.Equal(305, await index.CountAsync("faces-m1"));
            Assert.Equal(quantization, await index.QuantizationAsync("faces-m1"));
            var probe = points[250];
            Assert.Equal(probe.Id, (await index.SearchAsync("faces-m1", [probe.Vector], top: 1))[0][0].Id);
        }
    }

    [Fact]
    public async Task AutomaticCompaction_KicksInOnChurn_AndLosesNothing()
    {
        var points = TestData.Points(50, Dim, "m1", seed: 7);
        using (var index = new EmbeddedVectorIndex(_root, new EmbeddedIndexOptions { CompactAfterDeadPoints = 100 }))
        {
            await index.CreateCollectionAsync("faces-m1", Dim);
            for (var round = 0; round < 20; round++) await index.UpsertAsync("faces-m1", points);
        }
        Assert.True(new FileInfo(LogPath).Length < 20 * 50 * Dim * sizeof(float) / 2);
        using (var index = Open()) Assert.Equal(50, await index.CountAsync("faces-m1"));
    }

    [Fact]
    public void NotACollectionFile_IsReportedWithItsPath()
    {
        File.WriteAllText(LogPath, "hello");
        using var index = Open();
        var error = Assert.Throws<InvalidDataException>(() => index.Load("faces-m1"));
        Assert.Contains("faces-m1.fvlog", error.Message);
    }
}
