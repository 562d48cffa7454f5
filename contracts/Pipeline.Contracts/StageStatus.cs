namespace Pipeline.Contracts;

/// <summary>Where a stage of a run stands: what a message reports (<see cref="IStageReport.Status"/>) and the ledger shows.</summary>
public static class StageStatus
{
    public const string Queued = "queued";
    public const string Started = "started";
    public const string Progress = "progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
