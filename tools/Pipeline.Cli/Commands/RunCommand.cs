using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Cli.Demo;
using Pipeline.Contracts;
using Pipeline.Datasets;
using Pipeline.Face.Purification;
using Pipeline.Infra.Blobs;
using Pipeline.Infra.Ledger;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `pipeline run`: the demo's loop on the user's own dataset, in one process on the embedded defaults: drop it,
/// then ingest, train K=3, purify, retrain K=1 and index, as the services do; no truth, so the summary reports
/// what was kept and dropped and where the report is, plus holdout verification when a pair list is given.
/// </summary>
public static class RunCommand
{
    public sealed record RunSummary(
        string RunId, string Status, string? Failure, string? DatasetId, int Samples, int Identities, int Quarantined,
        int? Kept, int? Dropped, double? Threshold, string? ThresholdMethod, string? Score, bool Whitened, string? Report,
        IReadOnlyList<StageTime> Stages, double TotalSeconds, string? Collection, long IndexedPoints,
        double? HoldoutAccuracy, double? HoldoutStd, double? BaselineAccuracy, double? BaselineStd, string? NotPublished = null,
        string? Warning = null)
    {
        public bool Succeeded => Status == RunStatus.Completed;

        /// <summary>How many inputs ingest left out, by quarantine code (no-face, multiple-faces, corrupt, ...).</summary>
        public IReadOnlyDictionary<string, int>? QuarantinedByReason { get; init; }

        public string ToText()
        {
            var lines = new List<string> { "", $"run {RunId}: {Status}{(Failure is null ? "" : " - " + Failure)} in {TotalSeconds:F0} s" };
            if (DatasetId is not null) lines.Add($"  dataset {DatasetId}: {Samples} images of {Identities} identities, {Quarantined} quarantined"
                + (QuarantinedByReason is { Count: > 0 } q ? $" ({string.Join(", ", q.Select(kv => $"{kv.Key} {kv.Value}"))})" : ""));
            lines.AddRange(StageTimeline.Lines(Stages, TotalSeconds));
            if (Kept is not null)
                lines.Add($"  purification ({Score}{(Whitened ? ", within-class whitened" : "")}) at {Threshold:F1} ({ThresholdMethod}): kept {Kept}, dropped {Dropped}; every decision and its reason: {Report}");
            if (Warning is not null) lines.Add($"  WARNING: {Warning}");
            if (BaselineAccuracy is double b) lines.Add($"  holdout verification, K=1 on the raw data: {b:P2} +- {BaselineStd:P2}");
            if (HoldoutAccuracy is double a) lines.Add($"  holdout verification, K=1 on the purified data: {a:P2} +- {HoldoutStd:P2}");
            if (NotPublished is not null) lines.Add($"  index: NOT published, the alias keeps serving the previous model: {NotPublished}");
            else if (Collection is not null) lines.Add($"  index: {IndexedPoints} faces in {Collection} (alias 'faces'); `pipeline search --image FILE` or --serve");
            return string.Join(Environment.NewLine, lines);
        }
    }

    public static Command Create()
    {
        var data = CommonOptions.Data("Your dataset: an <identity>/<image> folder, a RecordIO folder (train.rec + train.idx), or a .zip/.tar/.tar.gz/.tgz of images");
        var name = new Option<string?>("--name") { Description = "Drop name (names the run and the dataset); default: the data's name and the time" };
        var root = CommonOptions.Root("Folder for everything the run writes (blobs, ledger, index, work, image cache)");
        var holdout = new Option<string?>("--holdout") { Description = "Held-out faces (folder of <identity>/<image>) to measure the final model's verification accuracy on" };
        var pairs = new Option<string?>("--pairs") { Description = "The holdout's pair list (LFW pairs.txt format); needed with --holdout" };
        var serve = new Option<bool>("--serve") { Description = "Keep serving the dashboard and the search API after the run (Ctrl+C to stop)" };
        var urls = new Option<string?>("--urls") { Description = "Where the dashboard and the search API listen (default: a free port on 127.0.0.1)" };
        var json = CommonOptions.Json();
        var cmd = new Command("run", "The whole loop on your own dataset in one process (embedded defaults): drop, ingest, train K=3, purify, retrain K=1, index");
        foreach (var o in new Option[] { data, name, root, holdout, pairs, serve, urls, json }) cmd.Options.Add(o);
        var plan = new RunPlanOptions().AddTo(cmd);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var source = Path.GetFullPath(r.GetValue(data)!);
            if (!Directory.Exists(source) && !File.Exists(source)) throw new FileNotFoundException($"{source}: no such file or folder");
            var dropName = r.GetValue(name) ?? DropCommand.NameFor(source);
            if (!DropCommand.IsValidName(dropName))
                throw new ArgumentException($"--name '{dropName}': use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
            var (holdoutDir, pairsFile) = (r.GetValue(holdout), r.GetValue(pairs));
            if ((holdoutDir is null) != (pairsFile is null)) throw new ArgumentException("--holdout and --pairs go together");
            var runPlan = plan.Plan(r, RunPlan.Default);
            var rootDir = Path.GetFullPath(r.GetValue(root)!);

            var verbose = r.GetValue(CommonOptions.Verbose);
            var summary = await RunAsync(source, dropName, runPlan, blobs => plan.StageIndexModelAsync(r, runPlan, blobs, ct), rootDir, holdoutDir,
                pairsFile, r.GetValue(urls), verbose, ct);
            ConsoleOutput.Summary(r.GetValue(json), summary, summary.ToText());
            if (r.GetValue(serve) && summary.Succeeded)
                await DemoRun.ServeAsync(rootDir, r.GetValue(urls), verbose, ct);
            return summary.Succeeded ? 0 : 1;
        }));
        return cmd;
    }

    /// <param name="stagePlan">Puts what the plan names (its index model) in the run's store before the drop.</param>
    private static async Task<RunSummary> RunAsync(string source, string dropName, RunPlan? plan, Func<IBlobStore, Task> stagePlan, string root,
        string? holdoutDir, string? pairsFile, string? urls, bool verbose, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var origin = DateTimeOffset.UtcNow;
        await using var app = EmbeddedPipeline.Build(root, urls, verbose);
        await app.StartAsync(ct);
        var blobs = app.Services.GetRequiredService<IBlobStore>();
        var store = app.Services.GetRequiredService<ArtifactStore>();

        await stagePlan(blobs);
        var drop = await DropCommand.DropAsync(blobs, source, dropName, plan?.ToJson(), ct);
        ConsoleOutput.Info($"dropped {drop.Files} file(s) as {drop.Drop}; run {drop.RunId}");
        var run = await DemoRun.WatchAsync(app.Services.GetRequiredService<RunLedger>(), drop.RunId, ct);
        var stages = StageTimeline.FromLedger(run, origin);
        var datasetId = run.Run.DatasetId;
        var failure = DemoRun.FailureReason(run);
        var manifest = datasetId is null ? null : await store.ReadManifestAsync(datasetId, ct);
        var byReason = datasetId is null ? null : await QuarantineByReasonAsync(blobs, datasetId, ct);
        if (run.Run.Status != RunStatus.Completed || manifest is null)
            return new RunSummary(drop.RunId, run.Run.Status, failure, datasetId, manifest?.SampleCount ?? 0, manifest?.Identities.Count ?? 0,
                manifest?.QuarantineCount ?? 0, null, null, null, null, null, false, null, stages, clock.Elapsed.TotalSeconds, null, 0, null, null, null, null)
                { QuarantinedByReason = byReason };

        var reportPath = BlobPaths.PurifiedReport(datasetId!, drop.RunId);
        var report = await store.GetJsonAsync<PurificationReport>(BlobContainers.Datasets, reportPath, ct);
        EvaluateCommand.EvaluationSummary? final = null, baseline = null;
        if (holdoutDir is not null && pairsFile is not null)
        {
            double evaluateStart = clock.Elapsed.TotalSeconds;
            var (holdout, pairs) = (Path.GetFullPath(holdoutDir), Path.GetFullPath(pairsFile));
            var align = run.Run.Plan?.FaceAlignment;
            final = await DemoRun.EvaluateStageAsync(store, root, drop.RunId, Stages.Final, holdout, pairs, ct, align);
            if (run.Run.Plan?.Baseline == true) baseline = await DemoRun.EvaluateStageAsync(store, root, drop.RunId, Stages.Baseline, holdout, pairs, ct, align);
            stages.Add(StageTimeline.Step("evaluation", evaluateStart, clock.Elapsed.TotalSeconds));
        }
        var (collection, points) = await DemoRun.ServingIndexAsync(app.Services, ct);
        return new RunSummary(drop.RunId, run.Run.Status, null, datasetId, manifest.SampleCount, manifest.Identities.Count, manifest.QuarantineCount,
            report?.Kept, report?.Dropped, report?.Threshold, report is null ? null : report.ThresholdFit?.Method ?? "fixed", report?.Score, report?.Whitening is not null,
            blobs.LocalFile(BlobContainers.Datasets, reportPath) ?? $"{BlobContainers.Datasets}/{reportPath}",
            stages, clock.Elapsed.TotalSeconds, collection, points, final?.Accuracy, final?.Std, baseline?.Accuracy, baseline?.Std, NotPublishedReason(run),
            report?.Warning) { QuarantinedByReason = byReason };
    }

    /// <summary>The dataset's quarantine counted by code (what face alignment, validation and the readers left out), or null when it has none.</summary>
    private static async Task<IReadOnlyDictionary<string, int>?> QuarantineByReasonAsync(IBlobStore blobs, string datasetId, CancellationToken ct)
    {
        await using var stream = await blobs.GetAsync(BlobContainers.Datasets, BlobPaths.DatasetQuarantine(datasetId), ct);
        if (stream is null) return null;
        return DatasetFiles.ReadQuarantine(stream).GroupBy(q => q.Code).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>Why the run's index was built but not served (the publish gate's reason), or null.</summary>
    internal static string? NotPublishedReason(RunDetails run)
    {
        var index = run.Stages.FirstOrDefault(s => s.Stage == Stages.Index)?.DetailJson;
        if (index is null) return null;
        return LedgerEntries.ParseDetail(index)?[nameof(IndexPublished.NotPublished)]?.GetValue<string>();
    }
}
