namespace Pipeline.Contracts;

/// <summary>
/// Stage names used in messages, storage paths (models/&lt;runId&gt;/&lt;stage&gt;/) and the run ledger; which message feeds
/// which stage is <see cref="StageGraph"/>.
/// </summary>
public static class Stages
{
    public const string Ingest = "ingest";

    /// <summary>Sub-center ArcFace (K = plan.SubCenters) on the raw dataset.</summary>
    public const string SubCenter = "subcenter";

    public const string Purify = "purify";

    /// <summary>Plain ArcFace (K=1) on the purified dataset.</summary>
    public const string Final = "final";

    /// <summary>Optional K=1 on the raw dataset, for comparison.</summary>
    public const string Baseline = "baseline";

    public const string Index = "index";

    /// <summary>A retrain request, which precedes any real stage of its run.</summary>
    public const string Request = "request";
}
