using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;
using Pipeline.Infra.Resilience;
using Polly.Registry;

namespace Pipeline.Infra;

public static class PipelineInfra
{
    /// <summary>
    /// Registers <see cref="PipelineOptions"/>, <see cref="ResiliencePipelines"/> (also as
    /// ResiliencePipelineProvider&lt;string&gt;), the <see cref="IBlobStore"/> chosen by Pipeline:BlobStore and
    /// the <see cref="RunLedger"/>. The bus is separate: <see cref="Messaging.PipelineBus.AddPipelineBus(IServiceCollection, IConfiguration, Action{MassTransit.IBusRegistrationConfigurator}?)"/>.
    /// </summary>
    public static IServiceCollection AddPipelineInfra(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetPipelineOptions();
        services.AddSingleton(options);
        services.AddSingleton(sp => new ResiliencePipelines(options.Resilience, sp.GetService<ILogger<ResiliencePipelines>>()));
        services.AddSingleton<ResiliencePipelineProvider<string>>(sp => sp.GetRequiredService<ResiliencePipelines>().Provider);
        services.AddSingleton<IBlobStore>(sp => CreateBlobStore(options, sp.GetRequiredService<ResiliencePipelines>(), sp.GetService<ILogger<LocalFolderBlobStore>>()));
        services.AddSingleton(_ => new RunLedger(options.LedgerPath));
        return services;
    }

    public static IBlobStore CreateBlobStore(PipelineOptions options, ResiliencePipelines pipelines, ILogger? logger = null)
    {
        if (!options.IsAzureBlobs()) return new LocalFolderBlobStore(options.LocalRoot, pipelines.BlobPipeline, logger: logger);
        if (string.IsNullOrWhiteSpace(options.AzureConnectionString))
            throw new InvalidOperationException("Pipeline:BlobStore = Azure needs Pipeline:AzureConnectionString (env Pipeline__AzureConnectionString)");
        return new AzureBlobStore(options.AzureConnectionString, pipelines.BlobPipeline);
    }
}
