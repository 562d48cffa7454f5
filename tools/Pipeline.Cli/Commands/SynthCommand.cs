using System.CommandLine;
using Pipeline.Datasets;

namespace Pipeline.Cli.Commands;

/// <summary>`pipeline synth`: render a synthetic noisy face set with its truth and LFW-style pairs.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Output folder (gets train/, holdout/, truth.csv)", Required = true };
        var identities = new Option<int>("--identities") { Description = "Identities in the train set", DefaultValueFactory = _ => 100 };
        var perIdentity = new Option<int>("--per-identity") { Description = "Images filed under each identity (train and holdout)", DefaultValueFactory = _ => 20 };
        var closed = new Option<double>("--closed-noise") { Description = "Fraction of train images showing another set identity", DefaultValueFactory = _ => 0.0 };
        var open = new Option<double>("--open-noise") { Description = "Fraction of train images showing a person outside the set", DefaultValueFactory = _ => 0.0 };
        var junk = new Option<double>("--junk") { Description = "Fraction of train images that are not faces", DefaultValueFactory = _ => 0.0 };
        var holdout = new Option<int>("--holdout-identities") { Description = "Unseen identities for holdout/pairs.txt (0: none)", DefaultValueFactory = _ => 100 };
        var size = new Option<int>("--size") { Description = "Image side in pixels", DefaultValueFactory = _ => 112 };
        var seed = new Option<long>("--seed") { Description = "Random seed: the same seed gives the same bytes", DefaultValueFactory = _ => 1L };
        var difficulty = new Option<double>("--difficulty") { Description = "Pose/expression/occlusion/lighting/camera variation strength (0..3)", DefaultValueFactory = _ => 1.0 };
        var pairs = new Option<int>("--pairs-per-fold") { Description = "At most this many matched (and mismatched) pairs per fold", DefaultValueFactory = _ => 300 };
        var force = new Option<bool>("--force") { Description = "Replace an existing synthetic set in --out" };
        var json = CommonOptions.Json();

        var cmd = new Command("synth", "Render a synthetic noisy face set (train/, holdout/ with pairs.txt, truth.csv)");
        foreach (var o in new Option[] { outDir, identities, perIdentity, closed, open, junk, holdout, size, seed, difficulty, pairs, force, json })
            cmd.Options.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => ConsoleOutput.Guard(() =>
        {
            var options = new SyntheticFaceOptions
            {
                Identities = r.GetValue(identities),
                PerIdentity = r.GetValue(perIdentity),
                ClosedNoise = r.GetValue(closed),
                OpenNoise = r.GetValue(open),
                Junk = r.GetValue(junk),
                HoldoutIdentities = r.GetValue(holdout),
                Size = r.GetValue(size),
                Seed = r.GetValue(seed),
                Difficulty = r.GetValue(difficulty),
                PairsPerFold = r.GetValue(pairs),
                Overwrite = r.GetValue(force),
            };
            string dir = r.GetValue(outDir)!;
            var bar = new ProgressBar("synth");
            var result = new SyntheticFaceGenerator(options).Generate(dir, new Progress<double>(f => bar.Report(f, "")), ct);
            var summary = new
            {
                Out = Path.GetFullPath(dir),
                result.TrainImages,
                result.HoldoutImages,
                result.Clean,
                result.Closed,
                result.Open,
                result.Junk,
                result.Folds,
                result.PairsPerFold,
                Seconds = Math.Round(result.Elapsed.TotalSeconds, 2),
            };
            ConsoleOutput.Summary(r.GetValue(json), summary,
                $"wrote {result.TrainImages} train images ({result.Clean} clean, {result.Closed} closed-set, {result.Open} open-set, {result.Junk} junk) " +
                $"and {result.HoldoutImages} holdout images ({result.Folds} folds x {result.PairsPerFold} pairs per class) to {summary.Out} in {summary.Seconds} s");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
