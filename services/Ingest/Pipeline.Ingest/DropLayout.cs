using Pipeline.Infra.Blobs;

namespace Pipeline.Ingest;

/// <summary>
/// One drop in container "drops": a folder <c>&lt;name&gt;/</c> completed by its <c>_READY</c> marker, or a
/// top-level archive <c>&lt;name&gt;.zip|.tar|.tar.gz|.tgz</c> (complete once it exists: blob writes are atomic).
/// <see cref="Name"/> is what <c>DatasetDropped.DropName</c> carries: the folder name, or the archive's full blob name.
/// </summary>
public sealed record Drop(string Name, bool IsArchive)
{
    /// <summary>The drop a <c>DatasetDropped.DropName</c> means (an archive name ends in an archive extension).</summary>
    public static Drop FromName(string name) => new(name, DropLayout.IsArchiveName(name));

    /// <summary>
    /// Claim marker: <c>&lt;name&gt;/_CLAIMED</c> inside a folder drop; beside an archive, <c>&lt;archive&gt;._CLAIMED</c>
    /// (a marker "inside" the archive's name cannot exist on the local folder store, where the archive is a file).
    /// </summary>
    public string ClaimPath => IsArchive ? Name + DropLayout.ArchiveClaimSuffix : BlobPaths.DropClaim(Name);

    /// <summary>Written once the drop's run is announced: from then on the drop is done, whatever its claim says.</summary>
    public string StartedPath => IsArchive ? Name + DropLayout.ArchiveStartedSuffix : $"{Name}/{DropLayout.StartedMarker}";

    /// <summary>Optional plan: <c>&lt;name&gt;/plan.json</c>, or <c>&lt;archive&gt;.plan.json</c> uploaded before the archive.</summary>
    public string PlanPath => IsArchive ? Name + DropLayout.ArchivePlanSuffix : $"{Name}/{DropLayout.PlanFile}";

    /// <summary>The folder drop's completion marker; an archive has none.</summary>
    public string? ReadyPath => IsArchive ? null : $"{Name}/{DropLayout.ReadyMarker}";

    /// <summary>"drops/&lt;name&gt;", for messages.</summary>
    public override string ToString() => $"{BlobContainers.Drops}/{Name}";
}

/// <summary>Names of the control blobs of a drop (everything else in a drop folder is data).</summary>
public static class DropLayout
{
    public const string ReadyMarker = "_READY";
    public const string ClaimMarker = "_CLAIMED";
    public const string StartedMarker = "_STARTED";
    public const string ArchiveStartedSuffix = "._STARTED";
    public const string PlanFile = "plan.json";
    public const string ArchiveClaimSuffix = "._CLAIMED";
    public const string ArchivePlanSuffix = ".plan.json";

    /// <summary>Longest first, so ".tar.gz" wins over a shorter match.</summary>
    public static readonly IReadOnlyList<string> ArchiveExtensions = [".tar.gz", ".tgz", ".tar", ".zip"];

    public static bool IsArchiveName(string name) =>
        ArchiveExtensions.Any(e => name.Length > e.Length && name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The archive extension of a name (".tar.gz"), or null.</summary>
    public static string? ArchiveExtension(string name) =>
        ArchiveExtensions.FirstOrDefault(e => name.Length > e.Length && name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Control files at the top of a drop folder: not part of the dataset.</summary>
    public static bool IsControlFile(string relativePath) => relativePath is ReadyMarker or ClaimMarker or StartedMarker or PlanFile;

    /// <summary>Folder names reserved for tooling ("_x", ".x"): never treated as drops.</summary>
    public static bool IsReservedName(string name) => name.StartsWith('_') || name.StartsWith('.');
}
