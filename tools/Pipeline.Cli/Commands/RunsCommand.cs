using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Contracts;
using Pipeline.Infra.Configuration;
using Pipeline.Infra.Ledger;

namespace Pipeline.Cli.Commands;

/// <summary>`pipeline runs`: the runs in the run ledger (Pipeline:LedgerPath, under Pipeline:Root) and, with --run, one run's stages and events.</summary>
public static class RunsCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "Show one run: its stages, their status and details, and every event" };
        var limit = new Option<int>("--limit") { Description = "Most recent runs to list", DefaultValueFactory = _ => 50 };
        var root = new Option<string?>("--root") { Description = "The pipeline root whose ledger to read (that of `run --root`); default: Pipeline:LedgerPath, under Pipeline__Root" };
        var json = CommonOptions.Json();

        var cmd = new Command("runs", "List pipeline runs and their stages from the run ledger");
        foreach (var o in new Option[] { run, limit, root, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var options = r.GetValue(root) is { } dir ? new PipelineOptions { Root = dir } : CliConfiguration.PipelineOptions();
            var ledgerPath = Path.GetFullPath(options.LedgerPath);
            try
            {
                return await ShowAsync(CliConfiguration.ExistingLedger(options), ledgerPath, r.GetValue(run), r.GetValue(limit), r.GetValue(json), ct);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                throw new IOException($"{ledgerPath}: not a readable run ledger: {e.Message}", e);
            }
        }));
        return cmd;
    }

    private static async Task<int> ShowAsync(RunLedger? ledger, string ledgerPath, string? runId, int limit, bool json, CancellationToken ct)
    {
        var missing = ledger is null ? " (no such file yet)" : "";
        if (runId is not null)
        {
            var details = (ledger is null ? null : await ledger.GetRunAsync(runId, ct))
                ?? throw new InvalidOperationException($"run {runId}: not in the ledger {ledgerPath}{missing}");
            ConsoleOutput.Summary(json, RunView.From(details), Describe(details));
            return 0;
        }
        var runs = ledger is null ? [] : await ledger.ListRunsAsync(Math.Max(1, limit), ct);
        ConsoleOutput.Summary(json, new RunList(ledgerPath, runs), runs.Count == 0 ? $"no runs in {ledgerPath}{missing}" : Table(runs));
        return 0;
    }

    private static string Table(IReadOnlyList<RunSummary> runs)
    {
        var rows = runs.Select(s => new[] { s.RunId, s.Status, s.CurrentStage ?? "-", s.DatasetId ?? "-", Time(s.CreatedAt), Time(s.UpdatedAt) }).ToList();
        rows.Insert(0, ["RUN", "STATUS", "STAGE", "DATASET", "CREATED", "UPDATED"]);
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        return string.Join(Environment.NewLine, rows.Select(row => string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()));
    }

    private static string Describe(RunDetails d)
    {
        var lines = new List<string>
        {
            $"run {d.Run.RunId}: {d.Run.Status}, stage {d.Run.CurrentStage ?? "-"}, dataset {d.Run.DatasetId ?? "-"}, created {Time(d.Run.CreatedAt)}, updated {Time(d.Run.UpdatedAt)}",
        };
        if (d.Run.Plan is { } p)
            lines.Add($"plan: backbone {p.Backbone}, input {p.InputSize}, epochs {p.Epochs}+{p.FinalEpochs}, K={p.SubCenters}, drop {p.DropRule} by {p.EffectiveDropScore}" +
                      (p.DropScoreWhitened ? " (whitened)" : "") +
                      (p.DropRule == DropRules.Angle ? $" {p.DropThreshold:0.#}°" : "") +
                      (p.DropRule == DropRules.Auto && p.DropNoisePosterior is { } q ? $" at noise posterior {q:0.###}" : "") + $", alias {p.IndexAlias}");
        var width = d.Stages.Count == 0 ? 0 : d.Stages.Max(s => s.Stage.Length);
        foreach (var s in d.Stages)
        {
            var ended = s.EndedAt is { } e ? $" -> {Time(e)} ({s.WorkSeconds(e):F0} s)" : "";
            var detail = s.Status == StageStatus.Progress ? s.LastProgressJson : s.DetailJson;
            // A failure's reason is the line an operator needs; other details are shown as their JSON.
            var text = Parse(detail) switch
            {
                JsonObject o when o[nameof(StageFailed.Reason)] is JsonValue reason => "reason: " + reason,
                JsonObject o when o[nameof(IndexPublished.NotPublished)] is JsonValue why => "NOT published (the alias keeps the previous model): " + why,
                _ => detail,
            };
            var queued = s.QueuedAt is { } q ? $"queued {Time(q)}, " : "";
            lines.Add($"  {s.Stage.PadRight(width)}  {s.Status,-9}  {queued}{Time(s.StartedAt)}{ended}{(text is null ? "" : "  " + Shorten(text, 160))}");
            // The purifier's warning that its threshold cannot be trusted is shown whole, on a line of its own.
            if (s.Stage == Stages.Purify && Parse(s.DetailJson) is JsonObject purified && purified[nameof(DatasetPurified.Warning)] is JsonValue warning)
                lines.Add($"  {"".PadRight(width)}  WARNING: {warning}");
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static JsonNode? Parse(string? json)
    {
        if (json is null) return null;
        try { return LedgerEntries.ParseDetail(json); }
        catch (System.Text.Json.JsonException) { return JsonValue.Create(json); }
    }

    private sealed record RunList(string Ledger, IReadOnlyList<RunSummary> Runs);

    private sealed record StageView(string Stage, string Status, DateTimeOffset? QueuedAt, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, JsonNode? Detail, JsonNode? LastProgress);

    private sealed record EventView(long Id, string Stage, string Status, DateTimeOffset At, string MessageType, JsonNode? Detail);

    private sealed record RunView(RunSummary Run, IReadOnlyList<StageView> Stages, IReadOnlyList<EventView> Events)
    {
        public static RunView From(RunDetails d) => new(d.Run,
            d.Stages.Select(s => new StageView(s.Stage, s.Status, s.QueuedAt, s.StartedAt, s.EndedAt, Parse(s.DetailJson), Parse(s.LastProgressJson))).ToList(),
            d.Events.Select(e => new EventView(e.Id, e.Stage, e.Status, e.At, e.MessageType, Parse(e.DetailJson))).ToList());
    }
}
