using System.CommandLine;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face;
using Pipeline.Interop;
using Pipeline.Face.Purification;

namespace Pipeline.Cli.Commands;

public static class PurifyCommand
{
    public static Command Create()
    {
        var model = CommonOptions.EmbeddingModel();
        var data = CommonOptions.Data("The dataset the sub-center model was trained on");
        var angle = new Option<double?>("--angle") { Description = $"Drop samples whose score is at or beyond this fixed threshold (degrees to the dominant sub-center with the paper's score, which used {DropRule.PaperAngle}); default: chosen per run from the scores' distribution" };
        var score = new Option<string?>("--score")
        {
            Description = $"What each sample is scored by: {CommonOptions.DropScoreList()}. Default: {DropScores.ClassMargin}, which separates noise best (docs/METHOD.md), or {DropScores.SubCenter} with --angle (the paper's 75 degrees is an angle to the dominant sub-center)",
        };
        var noWhitening = CommonOptions.NoWhitening("the class-center scores' angles");
        var posterior = CommonOptions.NoisePosterior();
        var output = new Option<string>("--out") { Description = "Report to write (JSON: threshold, counts, and every sample's decision, reason, score, sub-center)", Required = true };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var cmd = new Command("purify", "Find noisy samples with a sub-center ArcFace model (class margin by default, or the paper's dominant sub-center rule)");
        var align = CommonOptions.Align();
        foreach (var o in new Option[] { model, data, angle, score, noWhitening, posterior, output, device, align, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            double? fixedAngle = r.GetValue(angle);
            var dropScore = DropScore.Parse(DropScores.Effective(fixedAngle is null ? DropRules.Auto : DropRules.Angle, r.GetValue(score)));
            var noisePosterior = CommonOptions.NoisePosteriorValue(r, posterior, fixedAngle is not null); // both checked before the model loads
            using var face = EmbeddingModel.Open(r.GetValue(model)!, TorchRuntime.ResolveDevice(r.GetValue(device)!));
            if (!face.HasClassifier)
                ConsoleOutput.Info($"{r.GetValue(model)} has no classifier of this set: each class's mean embedding is its center");
            else if (face.Face!.Info.SubCenters < 2)
                ConsoleOutput.Info($"warning: {r.GetValue(model)} has K=1; with one sub-center the rule reduces to the angle to the class center");
            var set = DatasetInput.Load(r.GetValue(data)!, align: r.GetValue(align));
            var rule = (fixedAngle is double deg ? DropRule.Fixed(deg) : DropRule.Auto)
                with
                {
                    Score = dropScore,
                    Whitened = !r.GetValue(noWhitening),
                    NoisePosterior = noisePosterior ?? ScoreThreshold.CrossingPosterior,
                };
            var bar = new ProgressBar("embed");
            var report = face.Purify(set, rule, (d, n) => bar.Report((double)d / n, $"{d}/{n}"), ct);
            var outPath = r.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            using (var file = File.Create(outPath)) JsonSerializer.Serialize(file, report, PipelineJson.Options); // streamed: no string of every decision
            bool whitened = report.Whitening is not null;
            ConsoleOutput.Summary(r.GetValue(json), new { report.Rule, report.Score, Whitened = whitened, NoisePosterior = noisePosterior, report.Threshold, report.Kept, report.Dropped, Report = outPath, report.Warning },
                $"{report.Dropped} of {report.Samples.Count} samples dropped at {report.Score}{(whitened ? " (whitened)" : "")} {report.Threshold:F1} " +
                $"({report.Rule}{(noisePosterior is { } q ? $", noise posterior {q:0.###}" : "")}); report: {outPath}" +
                (report.Warning is null ? "" : $"{Environment.NewLine}WARNING: {report.Warning}"));
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
