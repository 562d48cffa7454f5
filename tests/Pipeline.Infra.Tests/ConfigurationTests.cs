using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;

namespace Pipeline.Infra.Tests;

public sealed class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Defaults_are_the_embedded_mode()
    {
        var o = Config().GetPipelineOptions();
        Assert.Equal((Transports.InMemory, BlobStores.Local), (o.Transport, o.BlobStore));
    }

    [Fact]
    public void Settings_bind_from_the_Pipeline_section()
    {
        var o = Config(("Pipeline:Transport", "RabbitMq"), ("Pipeline:RabbitMq:Host", "mq"), ("Pipeline:RabbitMq:Port", "5673"),
            ("Pipeline:Bus:RetryIntervalsMs:0", "7"), ("Pipeline:Resilience:Blob:MaxRetryAttempts", "9")).GetPipelineOptions();
        Assert.True(o.IsRabbitMq());
        Assert.Equal(("mq", (ushort)5673), (o.RabbitMq.Host, o.RabbitMq.Port));
        Assert.Equal(9, o.Resilience.Blob.MaxRetryAttempts);
        Assert.Equal(7, o.Bus.RetryIntervalsMs[0]);
    }

    [Fact]
    public void Interval_lists_replace_the_defaults_and_may_be_comma_separated()
    {
        Assert.Equal([5, 6], Config(("Pipeline:Bus:RedeliveryIntervalsSeconds", "5, 6")).GetPipelineOptions().Bus.RedeliveryIntervalsSeconds);
        Assert.Equal([1, 2, 3], Config(("Pipeline:Bus:RetryIntervalsMs:0", "1"), ("Pipeline:Bus:RetryIntervalsMs:1", "2"),
            ("Pipeline:Bus:RetryIntervalsMs:2", "3")).GetPipelineOptions().Bus.RetryIntervalsMs);
        Assert.Equal(new BusOptions().RetryIntervalsMs, Config().GetPipelineOptions().Bus.RetryIntervalsMs);
    }

    [Fact]
    public void An_unknown_transport_is_refused_by_name() =>
        Assert.Contains("Kafka", Assert.Throws<InvalidOperationException>(() => Config(("Pipeline:Transport", "Kafka")).GetPipelineOptions()).Message);

    [Fact]
    public void AddPipelineInfra_picks_the_blob_store_from_configuration()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-cfg-" + Guid.NewGuid().ToString("N"));
        using var local = new ServiceCollection().AddPipelineInfra(Config(("Pipeline:LocalRoot", dir),
            ("Pipeline:LedgerPath", Path.Combine(dir, "l.db")))).BuildServiceProvider();
        Assert.IsType<LocalFolderBlobStore>(local.GetRequiredService<IBlobStore>());
        Assert.NotNull(local.GetRequiredService<RunLedger>());

        using var azure = new ServiceCollection().AddPipelineInfra(Config(("Pipeline:BlobStore", "Azure"),
            ("Pipeline:AzureConnectionString", TestServices.AzuriteConnectionString))).BuildServiceProvider();
        Assert.IsType<AzureBlobStore>(azure.GetRequiredService<IBlobStore>());

        using var missing = new ServiceCollection().AddPipelineInfra(Config(("Pipeline:BlobStore", "Azure"))).BuildServiceProvider();
        Assert.Contains("AzureConnectionString", Assert.Throws<InvalidOperationException>(() => missing.GetRequiredService<IBlobStore>()).Message);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }
}
