using System.CommandLine;
using Pipeline.Cli.Demo;
using Pipeline.Infra.Configuration;

namespace Pipeline.Cli.Commands;

/// <summary>`pipeline dashboard`: the dashboard and the search API over an existing embedded root (its ledger, blobs and index), until Ctrl+C.</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var root = CommonOptions.Root("The pipeline root to show (that of `run --root` or `demo --root`)");
        var urls = new Option<string?>("--urls") { Description = $"Where the dashboard listens (default: {DemoRun.DefaultUrls})" };
        var cmd = new Command("dashboard", "Serve the dashboard (runs, purified faces, quarantine) and the search API over a pipeline root; prints its URL");
        foreach (var o in new Option[] { root, urls }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var dir = Path.GetFullPath(r.GetValue(root)!);
            var ledger = new PipelineOptions { Root = dir }.LedgerPath;
            // Checked first: the host would create an empty ledger and show a root that is not there.
            if (!File.Exists(ledger))
                throw new FileNotFoundException($"{dir}: not a pipeline root (no {Path.GetFileName(ledger)}); `pipeline run --root {dir}` or `pipeline demo --root {dir}` makes one");
            await DemoRun.ServeAsync(EmbeddedPipeline.BuildDashboard(dir, r.GetValue(urls) ?? DemoRun.DefaultUrls, r.GetValue(CommonOptions.Verbose)), ct);
            return 0;
        }));
        return cmd;
    }
}
