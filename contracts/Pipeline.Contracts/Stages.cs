namespace Pipeline.Contracts;

/// <summary>Stage names used in messages, storage paths (models/&lt;runId&gt;/&lt;stage&gt;/) and the run ledger.</summary>
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

    /// <summary>
    /// The stage whose completion hands this one its work, for stages that announce only their outcome
    /// (purify starts on the sub-center model, index on the final model); null for the others, which
    /// are queued or started by a message of their own.
    /// </summary>
    public static string? FedBy(string stage) => stage switch
    {
        Purify => SubCenter,
        Index => Final,
        _ => null,
    };
}
