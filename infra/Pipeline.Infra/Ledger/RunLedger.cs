using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Contracts;

namespace Pipeline.Infra.Ledger;

/// <summary>
/// The history of every run in one SQLite file: a row per run (status, current stage, plan) and a row per
/// event. WAL mode and a busy timeout let several writers share the file; writes in one process are serialised.
/// Recording is idempotent per dedupe key (the MassTransit message id), so redeliveries add nothing.
/// </summary>
public sealed class RunLedger
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public RunLedger(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30, // seconds; Microsoft.Data.Sqlite retries SQLITE_BUSY until then
        }.ToString();
        // Another process may be creating the same file (the dashboard beside `pipeline runs`): switching it to WAL then
        // answers "busy" at once, without waiting on the busy timeout, so wait here.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = Open();
                Execute(connection, Schema);
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 && attempt < 100) // SQLITE_BUSY, SQLITE_LOCKED
            {
                Thread.Sleep(100);
            }
        }
    }

    public string Path { get; }

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS runs (
            run_id        TEXT PRIMARY KEY,
            status        TEXT NOT NULL,
            current_stage TEXT,
            dataset_id    TEXT,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            plan_json     TEXT
        );
        CREATE TABLE IF NOT EXISTS stage_events (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id       TEXT NOT NULL REFERENCES runs(run_id),
            stage        TEXT NOT NULL,
            status       TEXT NOT NULL,
            at           TEXT NOT NULL,
            message_type TEXT NOT NULL,
            detail_json  TEXT,
            dedupe_key   TEXT UNIQUE
        );
        CREATE INDEX IF NOT EXISTS ix_stage_events_run ON stage_events(run_id, at, id);
        """;

    /// <summary>Records a contract message (see <see cref="LedgerEntries.From"/>); returns false for a duplicate.</summary>
    public Task<bool> RecordAsync(IStageReport message, string? dedupeKey = null, CancellationToken ct = default) =>
        RecordAsync(LedgerEntries.From(message, dedupeKey), ct);

    /// <summary>Records one entry; returns false when its dedupe key was recorded before.</summary>
    public async Task<bool> RecordAsync(LedgerEntry entry, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var connection = Open();
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            var at = Format(entry.At);
            object plan = entry.Plan is null ? DBNull.Value : LedgerEntries.Json(entry.Plan);

            await using (var insert = Command(connection, tx, """
                INSERT INTO runs (run_id, status, current_stage, dataset_id, created_at, updated_at, plan_json)
                VALUES ($run, 'running', $stage, $dataset, $at, $at, $plan)
                ON CONFLICT(run_id) DO NOTHING;
                INSERT INTO stage_events (run_id, stage, status, at, message_type, detail_json, dedupe_key)
                VALUES ($run, $stage, $status, $at, $type, $detail, $key)
                ON CONFLICT(dedupe_key) DO NOTHING;
                SELECT changes();
                """))
            {
                insert.Parameters.AddWithValue("$run", entry.RunId);
                insert.Parameters.AddWithValue("$stage", entry.Stage);
                insert.Parameters.AddWithValue("$status", entry.Status);
                insert.Parameters.AddWithValue("$dataset", (object?)entry.DatasetId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$at", at);
                insert.Parameters.AddWithValue("$plan", plan);
                insert.Parameters.AddWithValue("$type", entry.MessageType);
                insert.Parameters.AddWithValue("$detail", (object?)entry.DetailJson ?? DBNull.Value);
                insert.Parameters.AddWithValue("$key", (object?)entry.DedupeKey ?? DBNull.Value);
                if (Convert.ToInt64(await insert.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 0)
                    return false; // duplicate: leave the transaction uncommitted, nothing changed
            }

            // The run follows its newest event; completed (its last stage completed) is final, failed until a later stage moves on.
            await using (var update = Command(connection, tx, """
                UPDATE runs SET
                    updated_at    = CASE WHEN $at > updated_at THEN $at ELSE updated_at END,
                    created_at    = CASE WHEN $at < created_at THEN $at ELSE created_at END,
                    current_stage = CASE WHEN $at >= updated_at AND $status <> 'progress' THEN $stage ELSE current_stage END,
                    dataset_id    = COALESCE(dataset_id, $dataset),
                    plan_json     = COALESCE($plan, plan_json),
                    status        = CASE
                        WHEN status = 'completed' THEN status
                        WHEN $status = 'failed' THEN 'failed'
                        WHEN $stage = $last AND $status = 'completed' THEN 'completed'
                        WHEN status = 'failed' AND $at > updated_at AND $status <> 'progress' THEN 'running'
                        ELSE status END
                WHERE run_id = $run;
                """))
            {
                update.Parameters.AddWithValue("$run", entry.RunId);
                update.Parameters.AddWithValue("$stage", entry.Stage);
                update.Parameters.AddWithValue("$status", entry.Status);
                update.Parameters.AddWithValue("$dataset", (object?)entry.DatasetId ?? DBNull.Value);
                update.Parameters.AddWithValue("$at", at);
                update.Parameters.AddWithValue("$plan", plan);
                update.Parameters.AddWithValue("$last", StageGraph.Last);
                await update.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs, most recently updated first.</summary>
    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(int limit = 100, CancellationToken ct = default) => ListRunsAsync(limit, null, ct);

    /// <summary>Runs in one status (all when null), most recently updated first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(int limit, string? status, CancellationToken ct = default)
    {
        await using var connection = Open();
        await using var query = Command(connection, null,
            "SELECT run_id, status, current_stage, dataset_id, created_at, updated_at, plan_json FROM runs WHERE $status IS NULL OR status = $status ORDER BY updated_at DESC, run_id LIMIT $limit");
        query.Parameters.AddWithValue("$limit", limit);
        query.Parameters.AddWithValue("$status", (object?)status ?? DBNull.Value);
        var runs = new List<RunSummary>();
        await using var reader = await query.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) runs.Add(ReadRun(reader));
        return runs;
    }

    /// <summary>One run with its stages (in the order first seen) and all its events; null when unknown.</summary>
    public async Task<RunDetails?> GetRunAsync(string runId, CancellationToken ct = default)
    {
        await using var connection = Open();
        // One snapshot for the run and its events: read apart, a write between them shows events the status has not seen.
        await using var snapshot = connection.BeginTransaction(deferred: true);
        RunSummary run;
        await using (var query = Command(connection, snapshot,
            "SELECT run_id, status, current_stage, dataset_id, created_at, updated_at, plan_json FROM runs WHERE run_id = $run"))
        {
            query.Parameters.AddWithValue("$run", runId);
            await using var reader = await query.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            run = ReadRun(reader);
        }

        var events = new List<LedgerEvent>();
        await using (var query = Command(connection, snapshot,
            "SELECT id, stage, status, at, message_type, detail_json FROM stage_events WHERE run_id = $run ORDER BY at, id"))
        {
            query.Parameters.AddWithValue("$run", runId);
            await using var reader = await query.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                events.Add(new LedgerEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Parse(reader.GetString(3)),
                    reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return new RunDetails(run, Summarise(events), events);
    }

    private static List<StageSummary> Summarise(IReadOnlyList<LedgerEvent> events) =>
        events.GroupBy(e => e.Stage).Select(g =>
        {
            var all = g.ToList();
            // Work starts at the first start or progress event; without one, at the stage's first event (its queueing,
            // or its outcome). A stage that announces only its outcome started when the stage feeding it last completed.
            var queued = all.FirstOrDefault(e => e.Status == StageStatus.Queued)?.At;
            var started = all.FirstOrDefault(e => e.Status is StageStatus.Started or StageStatus.Progress)?.At ?? all[0].At;
            if (StageGraph.FedBy(g.Key) is { } feeder && events.LastOrDefault(e => e.Stage == feeder && e.Status == StageStatus.Completed && e.At <= started) is { } fed)
                started = fed.At;
            var progress = all.LastOrDefault(e => e.Status == StageStatus.Progress);
            var milestones = all.Where(e => e.Status != StageStatus.Progress).ToList();
            var last = milestones.Count > 0 ? milestones[^1] : all[^1];
            var end = last.Status is StageStatus.Completed or StageStatus.Failed ? last.At : (DateTimeOffset?)null;
            // Progress after a queue/start means the stage is running even though no milestone says so.
            var status = progress is not null && progress.At >= last.At && end is null ? StageStatus.Progress : last.Status;
            return new StageSummary(g.Key, status, started, end, last.DetailJson, progress?.DetailJson, queued is { } q && (q < started || status == StageStatus.Queued) ? q : null,
                Pauses(all, started));
        }).ToList();

    /// <summary>A started stage queued again waits until its next start or progress (or its end): a yielded training's pauses.</summary>
    private static List<StagePause>? Pauses(List<LedgerEvent> stage, DateTimeOffset started)
    {
        if (!stage.Any(e => e.Status is StageStatus.Started or StageStatus.Progress)) return null;
        var pauses = new List<StagePause>();
        DateTimeOffset? from = null;
        foreach (var e in stage.Where(e => e.At > started))
        {
            if (e.Status == StageStatus.Queued) from ??= e.At;
            else if (from is { } f) { pauses.Add(new StagePause(f, e.At)); from = null; }
        }
        if (from is { } open) pauses.Add(new StagePause(open, null));
        return pauses.Count > 0 ? pauses : null;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static RunSummary ReadRun(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        Parse(r.GetString(4)), Parse(r.GetString(5)),
        r.IsDBNull(6) ? null : JsonSerializer.Deserialize<RunPlan>(r.GetString(6), PipelineJson.Options));

    // Fixed-width UTC ISO-8601 so text order is time order.
    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string s) =>
        DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
