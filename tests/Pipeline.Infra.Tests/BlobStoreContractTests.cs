using System.Text;
using Azure.Storage.Blobs;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Resilience;

namespace Pipeline.Infra.Tests;

/// <summary>The behaviour every IBlobStore must have; run against the local folder and against Azurite.</summary>
public abstract class BlobStoreContractTests : IAsyncLifetime
{
    protected readonly string Container = "t" + Guid.NewGuid().ToString("N")[..20];

    // Fast retries so a transient fault costs milliseconds.
    protected static readonly Polly.ResiliencePipeline Pipeline = ResiliencePipelines.Build("blob-test",
        new ResiliencePipelineOptions { MaxRetryAttempts = 3, BaseDelayMs = 5, MaxDelayMs = 50, AttemptTimeoutSeconds = 20, BreakerMinimumThroughput = 100 });

    protected abstract IBlobStore Store { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Put_then_get_returns_the_same_bytes()
    {
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        Assert.True(await Store.PutAsync(Container, "a/b/shard-0000.bin", new MemoryStream(bytes)));

        Assert.Equal(bytes, await Store.GetBytesAsync(Container, "a/b/shard-0000.bin"));
        Assert.True(await Store.ExistsAsync(Container, "a/b/shard-0000.bin"));
        var info = await Store.GetInfoAsync(Container, "a/b/shard-0000.bin");
        Assert.NotNull(info);
        Assert.Equal(bytes.Length, info.Size);
        Assert.False(string.IsNullOrEmpty(info.ETag));
    }

    [Fact]
    public async Task Missing_blobs_and_containers_read_as_absent()
    {
        Assert.Null(await Store.GetAsync(Container, "nope.json"));
        Assert.False(await Store.ExistsAsync(Container, "nope.json"));
        Assert.Null(await Store.GetInfoAsync(Container, "nope.json"));
        Assert.False(await Store.DeleteAsync(Container, "nope.json"));
        Assert.Empty(await Store.ListAsync(Container));
        Assert.Empty(await Store.ListFoldersAsync(Container));
    }

    [Fact]
    public async Task Overwrite_false_keeps_the_first_write_and_overwrite_true_replaces_it()
    {
        Assert.True(await Store.PutTextAsync(Container, "m.json", "one"));
        var first = await Store.GetInfoAsync(Container, "m.json");

        Assert.False(await Store.PutTextAsync(Container, "m.json", "two", overwrite: false));
        Assert.Equal("one", await Store.GetTextAsync(Container, "m.json"));

        Assert.True(await Store.PutTextAsync(Container, "m.json", "three!", overwrite: true));
        Assert.Equal("three!", await Store.GetTextAsync(Container, "m.json"));
        Assert.NotEqual(first!.ETag, (await Store.GetInfoAsync(Container, "m.json"))!.ETag);
    }

    [Fact]
    public async Task List_filters_by_prefix_in_path_order_and_folders_lists_one_level()
    {
        foreach (var p in new[] { "celebs/b.jpg", "celebs/a.jpg", "celebs/sub/c.jpg", "celebrities/x.jpg", "other/y.jpg" })
            await Store.PutTextAsync(Container, p, p);

        var celebs = await Store.ListAsync(Container, "celebs/");
        Assert.Equal(["celebs/a.jpg", "celebs/b.jpg", "celebs/sub/c.jpg"], celebs.Select(e => e.Path));
        Assert.All(celebs, e => Assert.Equal(e.Path.Length, e.Size));

        Assert.Equal(4, (await Store.ListAsync(Container, "celeb")).Count);
        Assert.Equal(5, (await Store.ListAsync(Container)).Count);
        Assert.Equal(["celebrities", "celebs", "other"], await Store.ListFoldersAsync(Container));
        Assert.Equal(["sub"], await Store.ListFoldersAsync(Container, "celebs/"));
    }

    [Fact]
    public async Task Delete_removes_the_blob()
    {
        await Store.PutTextAsync(Container, "d/x.txt", "x");
        Assert.True(await Store.DeleteAsync(Container, "d/x.txt"));
        Assert.False(await Store.ExistsAsync(Container, "d/x.txt"));
        Assert.Empty(await Store.ListAsync(Container, "d/"));
    }

    [Fact]
    public async Task Json_round_trips_and_non_seekable_streams_are_accepted()
    {
        await Store.PutJsonAsync(Container, "plan.json", new Contracts.RunPlan { Epochs = 3 });
        Assert.Equal(3, (await Store.GetJsonAsync<Contracts.RunPlan>(Container, "plan.json"))!.Epochs);

        await Store.PutAsync(Container, "stream.bin", new ForwardOnlyStream(Encoding.UTF8.GetBytes("forward only")));
        Assert.Equal("forward only", await Store.GetTextAsync(Container, "stream.bin"));
    }

    [Fact]
    public async Task A_transient_failure_while_writing_is_retried()
    {
        var content = new FlakyStream(Encoding.UTF8.GetBytes("survived"), failures: 1);
        Assert.True(await Store.PutAsync(Container, "flaky.txt", content));
        Assert.Equal("survived", await Store.GetTextAsync(Container, "flaky.txt"));
        Assert.Equal(0, content.FailuresLeft);
    }

    [Fact]
    public async Task Bad_names_are_rejected_with_the_name_in_the_message()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.PutTextAsync(Container, "../escape.txt", "x"));
        Assert.Contains("../escape.txt", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync("Bad_Container", "x"));
    }

    [Fact]
    public async Task Exactly_one_of_eight_concurrent_claimers_wins()
    {
        var path = BlobPaths.DropClaim("celebs");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claimers = Enumerable.Range(0, 8).Select(async i =>
        {
            await gate.Task;
            return await Store.TryClaimAsync(Container, path, $"ingest-{i}", TimeSpan.FromMinutes(5));
        }).ToList();
        gate.SetResult();
        var claims = await Task.WhenAll(claimers);

        var winners = claims.OfType<BlobClaim>().ToList();
        var winner = Assert.Single(winners);
        Assert.Equal(path, winner.Path);

        // The winner renews; anyone else still loses.
        Assert.NotNull(await Store.TryClaimAsync(Container, path, winner.Owner, TimeSpan.FromMinutes(5)));
        Assert.Null(await Store.TryClaimAsync(Container, path, "late-comer", TimeSpan.FromMinutes(5)));

        // Only the owner can release; after that the drop is claimable again.
        Assert.False(await Store.ReleaseClaimAsync(winner with { Owner = "late-comer" }));
        Assert.True(await Store.ReleaseClaimAsync(winner));
        Assert.NotNull(await Store.TryClaimAsync(Container, path, "late-comer", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task An_expired_claim_is_taken_over_by_exactly_one_claimer()
    {
        var path = BlobPaths.DropClaim("crashed");
        Assert.NotNull(await Store.TryClaimAsync(Container, path, "crashed-worker", TimeSpan.FromMilliseconds(200)));
        await Task.Delay(400);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Store.TryClaimAsync(Container, path, $"rescuer-{i}", Timeout.InfiniteTimeSpan))));

        var winner = Assert.Single(claims.OfType<BlobClaim>());
        Assert.Equal(DateTimeOffset.MaxValue, winner.ExpiresAt);
        Assert.Null(await Store.TryClaimAsync(Container, path, "crashed-worker", TimeSpan.FromMinutes(1)));
    }

    /// <summary>A stream that cannot seek, as from a network response.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>Throws a transient IOException on the first reads, then behaves.</summary>
    private sealed class FlakyStream(byte[] data, int failures) : MemoryStream(data)
    {
        public int FailuresLeft { get; private set; } = failures;

        public override int Read(byte[] buffer, int offset, int count) => Fail() ?? base.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => Fail() ?? base.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            Fail() is { } r ? Task.FromResult(r) : base.ReadAsync(buffer, offset, count, ct);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Fail() is { } r ? ValueTask.FromResult(r) : base.ReadAsync(buffer, ct);

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken ct)
        {
            Fail();
            return base.CopyToAsync(destination, bufferSize, ct);
        }

        private int? Fail()
        {
            if (FailuresLeft <= 0) return null;
            FailuresLeft--;
            throw new IOException("simulated network hiccup");
        }
    }
}

public sealed class LocalFolderBlobStoreTests : BlobStoreContractTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipeline-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFolderBlobStore _store;

    public LocalFolderBlobStoreTests() => _store = new LocalFolderBlobStore(_root, Pipeline);

    protected override IBlobStore Store => _store;

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Writes_leave_no_temporary_files_in_the_container()
    {
        for (var i = 0; i < 5; i++) await _store.PutTextAsync(Container, "same.txt", new string('x', i));
        Assert.Equal(["same.txt"], Directory.GetFiles(Path.Combine(_root, Container)).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".tmp")));
    }
}

public sealed class AzureBlobStoreTests : BlobStoreContractTests
{
    private AzureBlobStore? _store;

    protected override IBlobStore Store => _store ?? throw new InvalidOperationException("not initialised");

    public override Task InitializeAsync()
    {
        TestServices.RequireAzurite();
        _store = new AzureBlobStore(TestServices.AzureConnectionString, Pipeline);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        if (_store is null) return;
        await new BlobServiceClient(TestServices.AzureConnectionString).GetBlobContainerClient(Container).DeleteIfExistsAsync();
    }
}
