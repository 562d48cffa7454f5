using System.CommandLine;
using Pipeline.Cli.Demo;

namespace Pipeline.Cli.Commands;

public static class DemoCommand
{
    public static Command Create()
    {
        var root = CommonOptions.Root("Folder for everything the demo writes (blobs, ledger, index, work, image cache)");
        var identities = new Option<int>("--identities") { Description = "Synthetic identities", DefaultValueFactory = _ => 200 };
        var perIdentity = new Option<int>("--per-identity") { Description = "Images per identity", DefaultValueFactory = _ => 20 };
        var closed = new Option<double>("--closed-noise") { Description = "Share of images filed under the wrong set identity", DefaultValueFactory = _ => 0.3 };
        var open = new Option<double>("--open-noise") { Description = "Share of images of people outside the set", DefaultValueFactory = _ => 0.1 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of each training stage", DefaultValueFactory = _ => 10 };
        var lr = new Option<double>("--lr") { Description = "Learning rate of every stage (batch 64)", DefaultValueFactory = _ => 0.025 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic set and of training", DefaultValueFactory = _ => 1 };
        var serve = new Option<bool>("--serve") { Description = "Keep serving the dashboard and the search API after the run (Ctrl+C to stop)" };
        var urls = new Option<string?>("--urls") { Description = "Where the dashboard and the search API listen (default: a free port on 127.0.0.1)" };
        var json = CommonOptions.Json();
        var cmd = new Command("demo", "The whole loop in one process: synthesise a noisy face set, drop it, ingest, train K=3, purify, retrain K=1, index; then score it against the truth");
        foreach (var o in new Option[] { root, identities, perIdentity, closed, open, epochs, lr, seed, serve, urls, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var options = new DemoOptions(Path.GetFullPath(r.GetValue(root)!), r.GetValue(identities), r.GetValue(perIdentity),
                r.GetValue(closed), r.GetValue(open), r.GetValue(epochs), r.GetValue(seed), r.GetValue(serve), r.GetValue(urls), r.GetValue(lr), r.GetValue(CommonOptions.Verbose));
            var summary = await DemoRun.RunAsync(options, ct);
            ConsoleOutput.Summary(r.GetValue(json), summary, summary.ToText());
            if (options.Serve && summary.Succeeded) await DemoRun.ServeAsync(options.Root, options.Urls, options.Verbose, ct);
            return summary.Succeeded ? 0 : 1;
        }));
        return cmd;
    }
}
