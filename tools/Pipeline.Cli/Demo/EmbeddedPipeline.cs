using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Pipeline.Dashboard;
using Pipeline.Indexer;
using Pipeline.Ingest;
using Pipeline.Purifier;
using Pipeline.ServiceDefaults;
using Pipeline.Trainer;

namespace Pipeline.Cli.Demo;

/// <summary>
/// Every service's module in one process: in-memory bus, local-folder blob store, embedded index,
/// SQLite ledger, all under one root folder, and the dashboard beside the search API. The same consumers run
/// distributed as separate hosts.
/// </summary>
public static class EmbeddedPipeline
{
    /// <param name="verbose">The services' and frameworks' information logs too; otherwise warnings and errors only, between the verb's own lines.</param>
    public static WebApplication Build(string root, string? urls, bool verbose = false, IDictionary<string, string?>? overrides = null) =>
        PipelineHost.Build([], c => c.AddInMemoryCollection(Settings(root, urls, verbose, overrides)),
            new IngestModule(), new TrainerModule(), new PurifierModule(), new IndexerModule(), new DashboardModule(), new LedgerModule());

    /// <summary>
    /// The dashboard and the search API over a root's stored runs, and nothing that changes them: no ingest, no trainer,
    /// no ledger consumer or recovery of unfinished runs (their own process may still be working on them).
    /// </summary>
    public static WebApplication BuildDashboard(string root, string? urls, bool verbose = false) =>
        PipelineHost.Build([], c => c.AddInMemoryCollection(Settings(root, urls, verbose, null)), new DashboardModule(), new IndexerModule());

    private static Dictionary<string, string?> Settings(string root, string? urls, bool verbose, IDictionary<string, string?>? overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:Transport"] = "InMemory",
            ["Pipeline:BlobStore"] = "Local",
            // blobs/, ledger.db, index/ and work/ under it.
            ["Pipeline:Root"] = root,
            ["Pipeline:LocalRoot"] = null,
            ["Pipeline:LedgerPath"] = null,
            ["Pipeline:WorkRoot"] = null,
            ["Pipeline:EmbeddedIndexPath"] = null,
            ["Pipeline:VectorIndex"] = "Embedded",
            ["Pipeline:DropPollSeconds"] = "1",
            ["Pipeline:ProgressIntervalSeconds"] = "2",
            // One process owns the root: a claim only ever outlives a killed process, so let it lapse soon after.
            ["Pipeline:TrainingClaimSeconds"] = "20",
            ["Pipeline:JobRescanSeconds"] = "10",
            ["Pipeline:Ingest:ShardSize"] = "1024",
            ["Logging:LogLevel:Default"] = verbose ? "Information" : "Warning",
            // Logs to stderr, a line each: stdout carries only the verb's --json summary.
            ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["urls"] = urls ?? "http://127.0.0.1:0",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }
}
