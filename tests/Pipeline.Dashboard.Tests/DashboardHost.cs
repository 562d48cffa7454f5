using System.Collections.Concurrent;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.Indexer;
using Pipeline.ServiceDefaults;

namespace Pipeline.Dashboard.Tests;

/// <summary>Every <see cref="RetrainRequested"/> the bus carried, as the Trainer would receive it.</summary>
public sealed class RetrainInbox
{
    public ConcurrentQueue<RetrainRequested> All { get; } = new();

    public async Task<RetrainRequested> WaitForAsync(Func<RetrainRequested, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (All.FirstOrDefault(match) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no matching RetrainRequested; seen: {string.Join("; ", All)}");
            await Task.Delay(25);
        }
    }
}

public sealed class RetrainCollector(RetrainInbox inbox) : IConsumer<RetrainRequested>
{
    public Task Consume(ConsumeContext<RetrainRequested> context)
    {
        inbox.All.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>A stand-in for the Trainer: collects the retrain commands the dashboard publishes.</summary>
public sealed class RetrainCollectorModule : ServiceModule
{
    public override string Name => "test-retrain-collector";

    public override void AddServices(IServiceCollection services, IConfiguration configuration) => services.AddSingleton<RetrainInbox>();

    public override void AddConsumers(IBusRegistrationConfigurator bus) => bus.AddConsumer<RetrainCollector>();
}

/// <summary>
/// The dashboard process as Program.cs builds it (dashboard + ledger consumer) with the Indexer beside it (its search
/// API and its consumers, as `pipeline dashboard` and the embedded pipeline serve them), on the in-memory bus, a temp
/// ledger and index and a free loopback port, plus a collector of retrain commands.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private readonly string _root;

    private DashboardHost(WebApplication app, string root)
    {
        App = app;
        _root = root;
        BaseAddress = new Uri(app.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public IBus Bus => App.Services.GetRequiredService<IBus>();
    public RetrainInbox Retrains => App.Services.GetRequiredService<RetrainInbox>();

    /// <param name="trainer">Whether the process has a consumer of retrains (the collector standing in for the Trainer).</param>
    /// <param name="search">Whether the Indexer (the search API) is beside the dashboard; without it, as services/Dashboard's Program.cs.</param>
    public static async Task<DashboardHost> StartAsync(string apiKey = ApiKey, bool trainer = true, bool search = true, Uri? searchUrl = null)
    {
        var modules = new List<ServiceModule> { new DashboardModule(), new LedgerModule() };
        if (search) modules.Add(new IndexerModule());
        if (trainer) modules.Add(new RetrainCollectorModule());
        var root = Path.Combine(Path.GetTempPath(), "dashboard-tests-" + Guid.NewGuid().ToString("N"));
        var app = PipelineHost.Build([], c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:Transport"] = "InMemory",
            ["Pipeline:LedgerPath"] = Path.Combine(root, "ledger.db"),
            ["Pipeline:LocalRoot"] = Path.Combine(root, "blobs"),
            ["Pipeline:EmbeddedIndexPath"] = Path.Combine(root, "index"),
            ["Pipeline:WorkRoot"] = Path.Combine(root, "work"),
            ["Pipeline:ApiKey"] = apiKey,
            ["Pipeline:InversionSteps"] = "6", // a render in seconds: the test proves the plumbing, bench/ the recipe
            ["urls"] = "http://127.0.0.1:0",
            [SearchProxy.Setting] = searchUrl?.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        }), modules.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        return new DashboardHost(app, root);
    }

    /// <summary>Polls GET /api/runs/{id} until the ledger has recorded <paramref name="events"/> events of the run.</summary>
    public async Task<RunView> WaitForRunAsync(string runId, int events, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await Http.GetAsync($"/api/runs/{runId}");
            RunView? run = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<RunView>(TestJson.Web) : null;
            if (run is not null && run.Events.Count >= events) return run;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"run {runId}: expected {events} ledger events, have {run?.Events.Count.ToString() ?? "no run"}");
            await Task.Delay(25);
        }
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

/// <summary>One dashboard for the whole collection: starting the host and its bus is the slow part.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public DashboardHost Host { get; private set; } = null!;

    private readonly Lazy<Task<GalleryScenario>> _gallery;

    private readonly Lazy<Task<string>> _served;

    public DashboardFixture()
    {
        _gallery = new(() => GalleryScenario.CreateAsync(Host, "ds-gallery"));
        _served = new(async () =>
        {
            var data = await Gallery;
            var runId = RunScenarios.NewRunId("served");
            int n = await data.PublishIndexedRunAsync(Host, runId, Pipeline.VectorIndex.CollectionNames.ServingAlias, RunScenarios.Start(minutesAgo: 1));
            await Host.WaitForRunAsync(runId, n);
            return runId;
        });
    }

    /// <summary>The synthetic dataset of the gallery tests, packed once for all of them.</summary>
    public Task<GalleryScenario> Gallery => _gallery.Value;

    /// <summary>The run whose collection the serving alias serves: the gallery's dataset purified as its report says, then indexed.</summary>
    public Task<string> ServedRun => _served.Value;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}

public static class TestJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);
}
