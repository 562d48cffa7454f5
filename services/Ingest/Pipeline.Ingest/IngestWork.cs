using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pipeline.Ingest;

/// <summary>
/// An ingest's temp folder, work/ingest/&lt;pid&gt;-&lt;dataset&gt;-&lt;random&gt;: removed when its ingest ends, and, when the
/// process that made it died first (a kill mid-ingest), by the next Ingest service that starts on that work root.
/// </summary>
public static class IngestWork
{
    public static string Create(string workRoot, string datasetId)
    {
        var work = Path.Combine(Path.GetFullPath(workRoot), "ingest", $"{Environment.ProcessId}-{datasetId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        return work;
    }

    /// <summary>Deletes the folders of ingests whose process is gone; returns how many.</summary>
    public static int RemoveOrphans(string workRoot, ILogger logger)
    {
        var root = Path.Combine(Path.GetFullPath(workRoot), "ingest");
        if (!Directory.Exists(root)) return 0;
        int removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-');
            if (dash > 0 && int.TryParse(name[..dash], out var pid) && IsAlive(pid)) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
                removed++;
                logger.LogInformation("{Work}: removed the temp folder of an ingest whose process is gone", dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "{Work}: could not remove an orphaned temp folder", dir);
            }
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
