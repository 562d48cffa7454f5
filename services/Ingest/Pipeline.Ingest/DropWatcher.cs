using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.ServiceDefaults;

namespace Pipeline.Ingest;

/// <summary>
/// Polls container "drops" (Azurite has no blob events) for complete drops, claims each one exactly once
/// across all Ingest instances and publishes <see cref="DatasetDropped"/> for the drops it won.
/// A drop whose started marker exists is done (or being done: its run's recovery owns it) and is never looked at
/// again. Its claim is taken for <see cref="IngestSettings.DropClaimSeconds"/> and the started marker written once the run is announced,
/// so an instance that dies in between leaves a claim that lapses, and the drop is taken again. An archive is complete once it has not changed for
/// <see cref="IngestSettings.ArchiveSettleSeconds"/> (a copy into a local drops folder may still be running).
/// </summary>
public sealed class DropWatcher(IBlobStore blobs, IBus bus, ServiceSettings settings, IngestSettings ingest, ILogger<DropWatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _scanning = new(1, 1);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>How long a claim lasts before the run it starts is announced.</summary>
    private TimeSpan ClaimTtl => TimeSpan.FromSeconds(ingest.DropClaimSeconds);

    /// <summary>This instance's name in claim markers: machine, process and a random part (two watchers in one process differ).</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.1, settings.DropPollSeconds));
        logger.LogInformation("watching {Container}/{Prefix} every {Seconds} s as {Owner}", BlobContainers.Drops, ingest.DropNamePrefix, period.TotalSeconds, Owner);
        IngestWork.RemoveOrphans(settings.WorkRoot, logger);
        using var timer = new PeriodicTimer(period);
        try
        {
            do
            {
                try
                {
                    await ScanOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "{Container}/: scan failed; trying again in {Seconds} s", BlobContainers.Drops, period.TotalSeconds);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>One poll: finds complete, unclaimed drops, claims them and returns the events published for the ones won.</summary>
    public async Task<IReadOnlyList<DatasetDropped>> ScanOnceAsync(CancellationToken ct = default)
    {
        await _scanning.WaitAsync(ct);
        try
        {
            var published = new List<DatasetDropped>();
            foreach (var drop in FindUnclaimed(await blobs.ListAsync(BlobContainers.Drops, ingest.DropNamePrefix, ct), DateTimeOffset.UtcNow))
            {
                try
                {
                    if (await TryStartAsync(drop, ct) is { } started) published.Add(started);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    logger.LogError(e, "{Drop}: could not start its ingest; trying again next poll", drop);
                }
            }
            return published;
        }
        finally
        {
            _scanning.Release();
        }
    }

    // One listing decides everything: the store has no call for "top-level blobs only", which archives need.
    private List<Drop> FindUnclaimed(IReadOnlyList<BlobEntry> entries, DateTimeOffset now)
    {
        var paths = entries.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var drops = new List<Drop>();
        foreach (var entry in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            var path = entry.Path;
            var slash = path.IndexOf('/');
            if (slash < 0)
            {
                if (!DropLayout.IsArchiveName(path) || DropLayout.IsReservedName(path)) continue;
                if (now - entry.LastModified >= TimeSpan.FromSeconds(ingest.ArchiveSettleSeconds)) drops.Add(new Drop(path, IsArchive: true));
                else logger.LogDebug("{Container}/{Name}: changed {Seconds:F1} s ago; waiting for it to settle", BlobContainers.Drops, path, (now - entry.LastModified).TotalSeconds);
            }
            else if (path[(slash + 1)..] == DropLayout.ReadyMarker)
            {
                var name = path[..slash];
                if (DropLayout.IsReservedName(name)) continue;
                if (DropLayout.IsArchiveName(name))
                {
                    if (_warned.Add(name))
                        logger.LogWarning("{Container}/{Name}/: a drop folder may not end in an archive extension; ignored (rename it)", BlobContainers.Drops, name);
                    continue;
                }
                drops.Add(new Drop(name, IsArchive: false));
            }
        }
        // A claim older than its time-to-live may have lapsed (its claimer died before announcing the run): try it.
        var claimedAt = entries.ToDictionary(e => e.Path, e => e.LastModified, StringComparer.Ordinal);
        return drops.Where(d => !paths.Contains(d.StartedPath)
                                && (!claimedAt.TryGetValue(d.ClaimPath, out var at) || now - at >= ClaimTtl)).ToList();
    }

    private async Task<DatasetDropped?> TryStartAsync(Drop drop, CancellationToken ct)
    {
        // Read the plan before claiming: a failed read then leaves the drop unclaimed for the next poll.
        var (plan, problem) = await ReadPlanAsync(drop, ct);
        var claim = await blobs.TryClaimAsync(BlobContainers.Drops, drop.ClaimPath, Owner, ClaimTtl, ct);
        if (claim is null)
        {
            logger.LogDebug("{Drop}: claimed by another instance", drop);
            return null;
        }
        var runId = RunIds.FromKey("drop:" + drop.Name);
        try
        {
            if (problem is not null)
            {
                logger.LogWarning("{Drop}: refused: {Problem}", drop, problem);
                await bus.Publish(new StageFailed(runId, RunPlan.Default, Stages.Ingest, problem, DateTimeOffset.UtcNow), ct);
                await blobs.PutTextAsync(BlobContainers.Drops, drop.StartedPath, runId, ct: ct);
                return null;
            }
            var dropped = new DatasetDropped(runId, plan, drop.Name, DateTimeOffset.UtcNow);
            await bus.Publish(dropped, ct);
            // Announced: the run's recovery owns it from here (RunRecovery); the claim may lapse.
            await blobs.PutTextAsync(BlobContainers.Drops, drop.StartedPath, runId, ct: ct);
            logger.LogInformation("{Drop}: claimed, run {RunId} started", drop, runId);
            return dropped;
        }
        catch
        {
            // Not announced: give the claim back so this or another instance tries again.
            await blobs.ReleaseClaimAsync(claim, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The drop's plan.json, or the default plan; a plan that does not parse is a problem, not an exception.</summary>
    private async Task<(RunPlan Plan, string? Problem)> ReadPlanAsync(Drop drop, CancellationToken ct)
    {
        var text = await blobs.GetTextAsync(BlobContainers.Drops, drop.PlanPath, ct);
        if (text is null) return (RunPlan.Default, null);
        return ParsePlan(text, $"{BlobContainers.Drops}/{drop.PlanPath}");
    }

    /// <summary>
    /// The drop's plan (<see cref="RunPlan.Parse"/>: its fields over the default plan, unknown fields refused, every value
    /// checked), or the problem naming the file and every bad field: the run then fails here, at ingest, not in the stage
    /// that would have tripped on it.
    /// </summary>
    public static (RunPlan Plan, string? Problem) ParsePlan(string json, string where)
    {
        try
        {
            return (RunPlan.Parse(json, where), null);
        }
        catch (InvalidDataException e)
        {
            return (RunPlan.Default, e.Message);
        }
    }
}
