using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Resilience;
using Pipeline.VectorIndex;
using Pipeline.VectorIndex.Embedded;
using Pipeline.VectorIndex.Qdrant;

namespace Pipeline.ServiceDefaults;

public static class ServiceRegistration
{
    /// <summary>Settings, the vector index chosen by Pipeline:VectorIndex, and the artifact store.</summary>
    /// <param name="service">The one service the process hosts (it gets a work folder of its own), or null.</param>
    public static IServiceCollection AddPipelineServices(this IServiceCollection services, IConfiguration configuration, string? service = null)
    {
        var settings = ServiceSettings.From(configuration, service);
        services.AddSingleton(settings);
        services.AddSingleton<IVectorIndex>(sp => CreateIndex(settings, sp.GetRequiredService<ResiliencePipelines>()));
        services.AddSingleton(sp => new ArtifactStore(sp.GetRequiredService<IBlobStore>(), settings.WorkRoot));
        return services;
    }

    public static IVectorIndex CreateIndex(ServiceSettings settings, ResiliencePipelines pipelines) =>
        settings.VectorIndex.ToLowerInvariant() switch
        {
            "embedded" => new EmbeddedVectorIndex(settings.EmbeddedIndexPath),
            "qdrant" => QdrantVectorIndex.Connect(new Uri(settings.Qdrant.Url
                ?? throw new InvalidOperationException("Pipeline:VectorIndex = Qdrant needs Pipeline:Qdrant:Url (env Pipeline__Qdrant__Url)")),
                settings.Qdrant.ApiKey, pipelines.IndexPipeline),
            _ => throw new InvalidOperationException($"Pipeline:VectorIndex '{settings.VectorIndex}' is not Embedded or Qdrant"),
        };
}
