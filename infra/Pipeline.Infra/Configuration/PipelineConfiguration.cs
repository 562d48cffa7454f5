using Microsoft.Extensions.Configuration;

namespace Pipeline.Infra.Configuration;

public static class PipelineConfiguration
{
    /// <summary>Binds section "Pipeline" (missing keys keep their defaults) and checks the choices.</summary>
    public static PipelineOptions GetPipelineOptions(this IConfiguration configuration)
    {
        var section = configuration.GetSection(PipelineOptions.Section);
        // The root first: the binder writes back every default it reads, and the paths under the root are read from it.
        var options = new PipelineOptions { Root = section[nameof(PipelineOptions.Root)] ?? PipelineOptions.DefaultRoot };
        section.Bind(options);
        // The binder appends configured array items to the defaults; configured lists replace them instead.
        options.Bus.RetryIntervalsMs = ReplaceList(section.GetSection("Bus:RetryIntervalsMs"), BusDefaults.RetryIntervalsMs);
        options.Bus.RedeliveryIntervalsSeconds = ReplaceList(section.GetSection("Bus:RedeliveryIntervalsSeconds"), BusDefaults.RedeliveryIntervalsSeconds);
        if (!string.Equals(options.Transport, Transports.InMemory, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Transport, Transports.RabbitMq, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Pipeline:Transport = '{options.Transport}': expected InMemory or RabbitMq");
        if (!string.Equals(options.BlobStore, BlobStores.Local, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.BlobStore, BlobStores.Azure, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Pipeline:BlobStore = '{options.BlobStore}': expected Local or Azure");
        return options;
    }

    private static readonly BusOptions BusDefaults = new();

    // Accepts an indexed list (Key:0, Key:1 / Key__0) or one comma-separated value ("200,1000").
    private static int[] ReplaceList(IConfigurationSection section, int[] defaults)
    {
        if (section.Value is { } csv)
            return csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var items = section.GetChildren().ToList();
        return items.Count == 0 ? defaults : items.Select(c => int.Parse(c.Value ?? "", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    public static bool IsRabbitMq(this PipelineOptions o) => string.Equals(o.Transport, Transports.RabbitMq, StringComparison.OrdinalIgnoreCase);

    public static bool IsAzureBlobs(this PipelineOptions o) => string.Equals(o.BlobStore, BlobStores.Azure, StringComparison.OrdinalIgnoreCase);
}
