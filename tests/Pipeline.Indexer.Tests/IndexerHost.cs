using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer.Tests;

/// <summary>
/// The Indexer as Program.cs builds it, on the in-memory bus, a temp local blob store and embedded index and a
/// free loopback port, serving a tiny random model of run <see cref="Run"/> behind the serving alias.
/// </summary>
public sealed class IndexerHost : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    public const string Run = "tiny";
    public const string AlignedRun = "tiny-aligned";
    public const int InputSize = 112;

    private readonly string _root;

    private IndexerHost(WebApplication app, string root)
    {
        App = app;
        _root = root;
        BaseAddress = new Uri(app.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public FaceSearch Search => App.Services.GetRequiredService<FaceSearch>();
    public IVectorIndex Index => App.Services.GetRequiredService<IVectorIndex>();
    public string BlobRoot => Path.Combine(_root, "blobs");

    public static async Task<IndexerHost> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "indexer-tests-" + Guid.NewGuid().ToString("N"));
        var info = new ModelInfo(BackboneSpec.Create("tiny", InputSize), 1, MarginSpec.ArcFace, ["a", "b"], null, DateTimeOffset.UnixEpoch);
        using (var model = new FaceModel(info, seed: 1))
        {
            model.Save(Path.Combine(root, "blobs", "models", Run, "final", "final"));
            // The same model under a run whose plan aligned faces at ingest: its queries are aligned too.
            model.Save(Path.Combine(root, "blobs", "models", AlignedRun, "final", "final"));
        }
        File.WriteAllText(Path.Combine(root, "blobs", "models", AlignedRun, "plan.json"),
            System.Text.Json.JsonSerializer.Serialize(RunPlan.Default with { FaceAlignment = FaceAlignments.Auto }, PipelineJson.Options));
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(HostSettings.Under(root,
            ("Pipeline:Transport", "InMemory"), ("Pipeline:ApiKey", ApiKey), ("Logging:LogLevel:Default", "Warning"))), new IndexerModule());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        var index = app.Services.GetRequiredService<IVectorIndex>();
        var collection = CollectionNames.ForModel(Run);
        int dim = info.Backbone.EmbeddingSize;
        await index.CreateCollectionAsync(collection, dim);
        var rng = new Random(1);
        await index.UpsertAsync(collection, new[] { "a", "b" }.Select(id => new FacePoint($"ds/{id}",
            Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), new FacePayload(id, "ds", Run, $"{id}/0.png"))).ToList());
        await index.SetAliasAsync(CollectionNames.ServingAlias, collection);
        return new IndexerHost(app, root);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

/// <summary>One Indexer for the whole collection: starting the host and loading the model is the slow part.</summary>
public sealed class IndexerFixture : IAsyncLifetime
{
    public IndexerHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await IndexerHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class IndexerCollection : ICollectionFixture<IndexerFixture>
{
    public const string Name = "indexer";
}
