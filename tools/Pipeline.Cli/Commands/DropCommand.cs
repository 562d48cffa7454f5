using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Infra.Blobs;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `pipeline drop`: uploads a dataset to container "drops" the way Ingest expects it. A folder goes to
/// drops/&lt;name&gt;/... with _READY written last; an archive goes to drops/&lt;name&gt;.&lt;ext&gt; in one atomic write.
/// A plan goes first: drops/&lt;name&gt;/plan.json, or drops/&lt;name&gt;.&lt;ext&gt;.plan.json beside an archive.
/// </summary>
public static partial class DropCommand
{
    private const string Ready = "_READY";
    private const string Claimed = "_CLAIMED";
    private const string PlanFile = "plan.json";
    private static readonly string[] ArchiveExtensions = [".tar.gz", ".tgz", ".tar", ".zip"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();

    public static Command Create()
    {
        var data = CommonOptions.Data("What to drop: an <identity>/<image> folder, a RecordIO folder (train.rec + train.idx), or a .zip/.tar/.tar.gz/.tgz of images");
        var name = new Option<string>("--name") { Description = "Drop name: letters, digits, '.', '_', '-' (it names the run and the dataset)", Required = true };
        var json = CommonOptions.Json();

        var cmd = new Command("drop", "Upload a dataset to the drops bucket; the Ingest service picks it up and starts a run (with the plan given here, as drops/<name>/plan.json)");
        foreach (var o in new Option[] { data, name, json }) cmd.Options.Add(o);
        var plan = new RunPlanOptions().AddTo(cmd);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var source = Path.GetFullPath(r.GetValue(data)!);
            var dropName = r.GetValue(name)!;
            if (!NamePattern().IsMatch(dropName))
                throw new ArgumentException($"--name '{dropName}': use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
            var runPlan = plan.Plan(r, RunPlan.Default);
            var options = CliConfiguration.PipelineOptions();
            var blobs = CliConfiguration.BlobStore(options);
            var where = options.BlobStore + (string.Equals(options.BlobStore, "Local", StringComparison.OrdinalIgnoreCase) ? $" {Path.GetFullPath(options.LocalRoot)}" : "");

            if (!Directory.Exists(source) && !File.Exists(source)) throw new FileNotFoundException($"{source}: no such file or folder");
            DropSummary summary;
            try
            {
                await plan.StageIndexModelAsync(r, runPlan, blobs, ct);
                summary = await DropAsync(blobs, source, dropName, runPlan?.ToJson(), ct);
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or Polly.ExecutionRejectedException)
            {
                throw new IOException($"blob store {where}: {e.GetBaseException().Message}", e);
            }
            summary = summary with { BlobStore = where };
            ConsoleOutput.Summary(r.GetValue(json), summary,
                $"dropped {summary.Drop} ({summary.Files} files, {summary.Bytes / 1048576.0:F1} MiB) to {where}; run {summary.RunId} starts when Ingest claims it" +
                (summary.Skipped is { Count: > 0 } skipped ? $"; {skipped.Count} not regular files skipped (listed above)" : "") +
                (summary.Plan is null ? "" : $"; plan {summary.Plan}"));
            return 0;
        }));
        return cmd;
    }

    /// <summary>A folder or an archive, dropped as Ingest expects it.</summary>
    internal static Task<DropSummary> DropAsync(IBlobStore blobs, string source, string dropName, string? planText, CancellationToken ct) =>
        Directory.Exists(source) ? DropFolderAsync(blobs, source, dropName, planText, ct) : DropArchiveAsync(blobs, source, dropName, planText, ct);

    /// <summary>A default drop name: the data's file or folder name, made valid, and the time.</summary>
    internal static string NameFor(string source)
    {
        var stem = Path.GetFileName(Path.TrimEndingDirectorySeparator(source));
        foreach (var ext in ArchiveExtensions)
            if (stem.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) stem = stem[..^ext.Length];
        stem = new string(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray()).Trim('.', '-', '_');
        if (stem.Length == 0) stem = "data";
        return $"{stem[..Math.Min(stem.Length, 80)]}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
    }

    internal static bool IsValidName(string name) => NamePattern().IsMatch(name);

    internal static async Task<DropSummary> DropFolderAsync(IBlobStore blobs, string folder, string dropName, string? planText, CancellationToken ct)
    {
        if (ArchiveExtensions.Any(e => dropName.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"--name '{dropName}': a folder drop's name may not end in an archive extension");
        var prefix = dropName + "/";
        if (await blobs.ExistsAsync(BlobContainers.Drops, prefix + Ready, ct) || await blobs.ExistsAsync(BlobContainers.Drops, prefix + Claimed, ct))
            throw new InvalidOperationException($"{BlobContainers.Drops}/{prefix}: already dropped; choose another --name");

        // Regular files only: a link is never followed (it could copy a system file into the drop), a FIFO never opened (it blocks).
        var skipped = new List<SkippedFile>();
        var files = RegularFileWalk.Files(folder, (f, kind) =>
                skipped.Add(new SkippedFile(Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), RegularFileWalk.Reason(f, kind))))
            .Select(f => (Local: f, Blob: prefix + Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/')))
            .Where(f => f.Blob != prefix + Ready && f.Blob != prefix + Claimed && !(planText is not null && f.Blob == prefix + PlanFile))
            .OrderBy(f => f.Blob, StringComparer.Ordinal).ToList();
        foreach (var skip in skipped) ConsoleOutput.Info($"skipped {Path.Combine(folder, skip.Path)}: {skip.Reason}");
        if (files.Count == 0) throw new InvalidDataException($"{folder}: holds no regular files{(skipped.Count > 0 ? $" ({skipped.Count} skipped)" : "")}");

        // Left-overs of an interrupted earlier upload under this name would otherwise be ingested too.
        var wanted = files.Select(f => f.Blob).ToHashSet(StringComparer.Ordinal);
        if (planText is not null) wanted.Add(prefix + PlanFile);
        foreach (var stale in (await blobs.ListAsync(BlobContainers.Drops, prefix, ct)).Where(e => !wanted.Contains(e.Path)))
            await blobs.DeleteAsync(BlobContainers.Drops, stale.Path, ct);

        if (planText is not null) await blobs.PutTextAsync(BlobContainers.Drops, prefix + PlanFile, planText, ct: ct);
        long bytes = 0;
        int done = 0;
        var bar = new ProgressBar("upload");
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (f, token) =>
        {
            await blobs.UploadFileAsync(BlobContainers.Drops, f.Blob, f.Local, ct: token);
            Interlocked.Add(ref bytes, new FileInfo(f.Local).Length);
            var n = Interlocked.Increment(ref done);
            bar.Report((double)n / files.Count, $"{n}/{files.Count} files");
        });
        // Last: the marker that makes the drop complete.
        var marker = JsonSerializer.Serialize(new { Files = files.Count, Bytes = bytes, UploadedAt = DateTimeOffset.UtcNow }, PipelineJson.Options);
        await blobs.PutTextAsync(BlobContainers.Drops, prefix + Ready, marker, ct: ct);
        return new DropSummary($"{BlobContainers.Drops}/{prefix}", "folder", dropName, RunIds.FromKey("drop:" + dropName), files.Count, bytes,
            planText is null ? null : $"{BlobContainers.Drops}/{prefix}{PlanFile}", "", skipped);
    }

    private static async Task<DropSummary> DropArchiveAsync(IBlobStore blobs, string archive, string dropName, string? planText, CancellationToken ct)
    {
        var ext = ArchiveExtensions.FirstOrDefault(e => archive.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"{archive}: not a folder or a .zip/.tar/.tar.gz/.tgz archive");
        var blobName = dropName.EndsWith(ext, StringComparison.OrdinalIgnoreCase) ? dropName : dropName + ext.ToLowerInvariant();
        if (await blobs.ExistsAsync(BlobContainers.Drops, blobName, ct) || await blobs.ExistsAsync(BlobContainers.Drops, blobName + "." + Claimed, ct))
            throw new InvalidOperationException($"{BlobContainers.Drops}/{blobName}: already dropped; choose another --name");
        var planBlob = blobName + ".plan.json";
        // The plan must be there before the archive: the archive's arrival is what starts the run.
        if (planText is not null) await blobs.PutTextAsync(BlobContainers.Drops, planBlob, planText, ct: ct);
        else await blobs.DeleteAsync(BlobContainers.Drops, planBlob, ct);
        // Named by the user, so a link to it is followed; but it must end at a file: a FIFO would block the upload for ever.
        var target = File.ResolveLinkTarget(archive, returnFinalTarget: true)?.FullName ?? archive;
        if (FileKinds.Of(target) is var kind && kind != FileKind.Regular)
            throw new InvalidDataException($"{archive}: a {FileKinds.Describe(kind)}, not an archive file; refusing to open it");
        var bytes = new FileInfo(archive).Length;
        ConsoleOutput.Info($"uploading {archive} ({bytes / 1048576.0:F1} MiB) to {BlobContainers.Drops}/{blobName}");
        if (!await blobs.UploadFileAsync(BlobContainers.Drops, blobName, archive, overwrite: false, ct: ct))
            throw new InvalidOperationException($"{BlobContainers.Drops}/{blobName}: dropped by someone else meanwhile; choose another --name");
        return new DropSummary($"{BlobContainers.Drops}/{blobName}", "archive", blobName, RunIds.FromKey("drop:" + blobName), 1, bytes,
            planText is null ? null : $"{BlobContainers.Drops}/{planBlob}", "");
    }

    internal sealed record DropSummary(string Drop, string Kind, string DropName, string RunId, int Files, long Bytes, string? Plan, string BlobStore,
        IReadOnlyList<SkippedFile>? Skipped = null);

    /// <summary>A file of a dropped folder left out, with its quarantine-style reason ("symlink: ...", "not-a-regular-file: ...").</summary>
    internal sealed record SkippedFile(string Path, string Reason);
}
