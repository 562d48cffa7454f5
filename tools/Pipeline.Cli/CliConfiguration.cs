using Microsoft.Extensions.Configuration;
using Pipeline.Infra;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;
using Pipeline.Infra.Resilience;

namespace Pipeline.Cli;

/// <summary>
/// The configuration the services read, for verbs that talk to the pipeline: appsettings.json in the current
/// folder (optional), then environment variables (Pipeline__BlobStore=Azure, Pipeline__AzureConnectionString=...).
/// </summary>
public static class CliConfiguration
{
    public static IConfiguration Load(string? directory = null) =>
        new ConfigurationBuilder()
            .SetBasePath(Path.GetFullPath(directory ?? Directory.GetCurrentDirectory()))
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .Build();

    /// <summary>Section "Pipeline", defaults filled in (embedded mode: Pipeline:Root, else ./.pipeline).</summary>
    public static PipelineOptions PipelineOptions() => Load().GetPipelineOptions();

    /// <summary>The blob store the services use (local folder or Azure), with the same retries.</summary>
    public static IBlobStore BlobStore(PipelineOptions? options = null)
    {
        options ??= PipelineOptions();
        return PipelineInfra.CreateBlobStore(options, new ResiliencePipelines(options.Resilience));
    }

    /// <summary>The run ledger, or null when its file does not exist yet (reading must not create it).</summary>
    public static RunLedger? ExistingLedger(PipelineOptions? options = null)
    {
        options ??= PipelineOptions();
        return File.Exists(options.LedgerPath) ? new RunLedger(options.LedgerPath) : null;
    }
}
