using System.CommandLine;
using Pipeline.ServiceDefaults;
using Pipeline.VectorIndex.Embedded;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `pipeline index repair`: the embedded index skips a corrupt record on open and warns on every open; this finds
/// the collections that have one and rewrites their logs without it, which ends the warning.
/// </summary>
public static class IndexRepairCommand
{
    /// <summary>Exit code of --check when a collection holds corrupt records.</summary>
    public const int CorruptFound = 2;

    public static Command Create()
    {
        var root = new Option<string?>("--root") { Description = "The embedded index folder (default: Pipeline:EmbeddedIndexPath, ./.pipeline/index)" };
        var check = new Option<bool>("--check") { Description = $"Only report corrupt records (exit {CorruptFound} when there are); rewrite nothing" };
        var json = CommonOptions.Json();
        var repair = new Command("repair",
            "Rewrite the collection logs that hold corrupt records without them (the points those records held stay lost: re-index their models). " +
            "Stop the Indexer first: one process owns the index folder at a time");
        foreach (var o in new Option[] { root, check, json }) repair.Options.Add(o);
        repair.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var dir = r.GetValue(root) ?? ServiceSettings.From(CliConfiguration.Load()).EmbeddedIndexPath;
            if (!Directory.Exists(dir)) throw new ArgumentException($"--root {dir}: no such index folder");
            bool checkOnly = r.GetValue(check);
            using var index = new EmbeddedVectorIndex(dir, new EmbeddedIndexOptions { Warn = _ => { } }); // reported below instead
            var collections = new List<CollectionRepair>();
            foreach (var name in await index.ListCollectionsAsync(ct))
            {
                var recovery = index.Recovery(name);
                bool rewrite = recovery.Corrupt.Count > 0 && !checkOnly;
                if (rewrite) await index.CompactAsync(name, ct);
                collections.Add(new CollectionRepair(name, await index.CountAsync(name, ct: ct), recovery.Corrupt.Count, recovery.SkippedBytes,
                    recovery.Corrupt.Count > 0 ? recovery.Corrupt[0].Offset : null, recovery.TornBytes, rewrite));
            }
            var corrupt = collections.Where(c => c.CorruptRegions > 0).ToList();
            ConsoleOutput.Summary(r.GetValue(json), new { root = Path.GetFullPath(dir), collections },
                corrupt.Count == 0 ? $"{Path.GetFullPath(dir)}: {collections.Count} collection(s), no corrupt records"
                    : string.Join(Environment.NewLine, corrupt.Select(c =>
                        $"{c.Collection}: {c.CorruptRegions} corrupt region(s), {c.SkippedBytes} bytes from offset {c.FirstCorruptOffset}; " +
                        (c.Rewritten ? $"rewritten without them, {c.Points} points" : "not rewritten (--check)"))));
            return checkOnly && corrupt.Count > 0 ? CorruptFound : 0;
        }));
        var command = new Command("index", "Maintain the embedded vector index");
        command.Subcommands.Add(repair);
        return command;
    }

    private sealed record CollectionRepair(string Collection, long Points, int CorruptRegions, long SkippedBytes, long? FirstCorruptOffset,
        long TornBytes, bool Rewritten);
}
