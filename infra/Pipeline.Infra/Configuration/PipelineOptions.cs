namespace Pipeline.Infra.Configuration;

/// <summary>
/// Everything infra reads from configuration section "Pipeline" (env: Pipeline__Transport=RabbitMq, ...).
/// Defaults give the embedded mode: in-memory bus, local folder blobs, SQLite ledger in ./.pipeline.
/// </summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>The folder everything local lives under unless set one by one: blobs/, ledger.db, index/, work/.</summary>
    public const string DefaultRoot = "./.pipeline";

    /// <summary>
    /// Pipeline:Root (env Pipeline__Root): the one folder of a pipeline's local state, shared by every service and the
    /// command line, so that processes started in different folders see one ledger, one index and one blob folder.
    /// </summary>
    public string Root { get; set; } = DefaultRoot;

    /// <summary><see cref="Transports.InMemory"/> (default) or <see cref="Transports.RabbitMq"/>.</summary>
    public string Transport { get; set; } = Transports.InMemory;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public BusOptions Bus { get; set; } = new();

    /// <summary><see cref="BlobStores.Local"/> (default) or <see cref="BlobStores.Azure"/>.</summary>
    public string BlobStore { get; set; } = BlobStores.Local;

    /// <summary>Root folder of the local blob store; each container is a sub-folder. Default: <see cref="Root"/>/blobs.</summary>
    public string LocalRoot
    {
        get => _localRoot ?? Path.Combine(Root, "blobs");
        set => _localRoot = value;
    }

    private string? _localRoot;

    /// <summary>Azure Storage connection string (Azurite's dev string locally).</summary>
    public string? AzureConnectionString { get; set; }

    /// <summary>SQLite file of the run ledger. Default: <see cref="Root"/>/ledger.db.</summary>
    public string LedgerPath
    {
        get => _ledgerPath ?? Path.Combine(Root, "ledger.db");
        set => _ledgerPath = value;
    }

    private string? _ledgerPath;

    public ResilienceOptions Resilience { get; set; } = new();
}

public static class Transports
{
    public const string InMemory = "InMemory";
    public const string RabbitMq = "RabbitMq";
}

public static class BlobStores
{
    public const string Local = "Local";
    public const string Azure = "Azure";
}

public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";
}

public sealed class BusOptions
{
    /// <summary>
    /// In-process retries of a failing consumer, in milliseconds. Together they outlast the blob and index circuit
    /// breakers' 15 s break (and on RabbitMQ, where delayed redelivery needs a plugin, they are all the retrying
    /// there is), so a short storage outage is waited out instead of sending work to the _error queues. A
    /// permanent failure (<see cref="Resilience.TransientFailures.IsPermanent"/>) is not retried.
    /// </summary>
    public int[] RetryIntervalsMs { get; set; } = [200, 1000, 5000, 15000, 30000];

    /// <summary>
    /// Delayed redeliveries (the message goes back to the broker and returns later), in seconds.
    /// Always on for the in-memory transport; on RabbitMQ only when <see cref="RabbitMqDelayedExchange"/>
    /// is true, because it needs the rabbitmq_delayed_message_exchange plugin (Debian's package lacks it).
    /// </summary>
    public int[] RedeliveryIntervalsSeconds { get; set; } = [30, 120, 600];

    /// <summary>Set when the broker has the rabbitmq_delayed_message_exchange plugin enabled.</summary>
    public bool RabbitMqDelayedExchange { get; set; }

    /// <summary>Messages a receive endpoint fetches ahead (RabbitMQ prefetch).</summary>
    public int PrefetchCount { get; set; } = 16;

    /// <summary>Messages one process handles at once per endpoint; 0 = MassTransit's default.</summary>
    public int ConcurrentMessageLimit { get; set; }
}

/// <summary>Options of the named Polly pipelines ("blob", "index").</summary>
public sealed class ResilienceOptions
{
    public ResiliencePipelineOptions Blob { get; set; } = new();
    public ResiliencePipelineOptions Index { get; set; } = new();
}

public sealed class ResiliencePipelineOptions
{
    public int MaxRetryAttempts { get; set; } = 4;
    public double BaseDelayMs { get; set; } = 200;
    public double MaxDelayMs { get; set; } = 10_000;

    /// <summary>Timeout of one attempt (not of the whole retried call).</summary>
    public double AttemptTimeoutSeconds { get; set; } = 100;

    /// <summary>The breaker opens when this share of calls failed within the sampling window...</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>...and at least this many calls were made in it.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public double BreakerSamplingSeconds { get; set; } = 30;
    public double BreakerBreakSeconds { get; set; } = 15;
}
