using System.CommandLine;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face;
using Pipeline.Face.Heads;
using Pipeline.Face.Training;

namespace Pipeline.Cli.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data("Training images: <identity>/<image> folders, a .zip/.tar/.tar.gz of them, RecordIO (train.rec + train.idx), or a packed dataset");
        var output = new Option<string>("--out") { Description = "Model directory to write (model.json, weights, metrics.json, checkpoint/)", Required = true };
        var k = new Option<int>("--subcenters") { Description = "Sub-centers per class: 3 = sub-center ArcFace (for purification), 1 = plain ArcFace", DefaultValueFactory = _ => 3 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => 10 };
        var backbone = new Option<string>("--backbone") { Description = "tiny | r18 | r34 | r50 | r100", DefaultValueFactory = _ => "tiny" };
        var inputSize = new Option<int>("--input-size") { Description = "112 (the field's crops) or 64 (stride-2 stem, ~4x faster)", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 64 };
        var lr = new Option<double?>("--lr") { Description = "Base learning rate (default 0.1 x batch / 512)" };
        var margin = new Option<string>("--margin") { Description = string.Join(" | ", MarginSpec.Named.Keys), DefaultValueFactory = _ => "arcface" };
        var partialFc = new Option<double>("--partial-fc") { Description = "Partial FC sample rate of negative classes (1 = off)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same model)", DefaultValueFactory = _ => 1 };
        var decay = new Option<double?>("--decay-epochs") { Description = "Epochs over which the lr would decay to zero (default: --epochs); the pipeline's sub-center stage uses twice its epochs" };
        var selfPurify = new Option<int>("--self-purify-from") { Description = "From this epoch on, train each next epoch only on the samples the model would keep (0 = off; the pipeline's sub-center stage uses half its epochs)" };
        var noWhitening = CommonOptions.NoWhitening("self-purification's angles to the class means");
        var width = new Option<double?>("--width") { Description = "Channel multiplier on 64/128/256/512 (default: tiny 0.5, others 1)" };
        var embedding = new Option<int>("--embedding-size") { Description = "Embedding dimension", DefaultValueFactory = _ => 512 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout before the embedding layer (insightface: 0, 0.4 for small sets)", DefaultValueFactory = _ => 0.0 };
        var resume = new Option<bool>("--resume") { Description = "Continue from the last checkpoint in --out" };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var align = CommonOptions.Align();

        var cmd = new Command("train", "Train a (sub-center) ArcFace model on a face dataset");
        foreach (var o in new Option[] { data, output, k, epochs, backbone, inputSize, width, embedding, dropout, batch, lr, decay, selfPurify, noWhitening, margin, partialFc, seed, resume, device, align, json })
            cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            var options = new TrainingOptions
            {
                Backbone = r.GetValue(backbone)!, InputSize = r.GetValue(inputSize), Epochs = r.GetValue(epochs),
                Width = r.GetValue(width), EmbeddingSize = r.GetValue(embedding), Dropout = r.GetValue(dropout),
                BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), SubCenters = r.GetValue(k),
                Margin = MarginSpec.Parse(r.GetValue(margin)!), PartialFcRate = r.GetValue(partialFc),
                Seed = r.GetValue(seed), Device = r.GetValue(device)!, CheckpointEverySteps = 200, DecayEpochs = r.GetValue(decay),
                SelfPurifyFrom = r.GetValue(selfPurify),
                SelfPurifyWhitened = !r.GetValue(noWhitening),
            };
            options.Validate();
            var set = DatasetInput.Load(r.GetValue(data)!, align: r.GetValue(align));
            var outDir = r.GetValue(output)!;
            var bar = new ProgressBar("train");
            var result = FaceTrainer.Train(set, options, Path.Combine(outDir, "checkpoint"), r.GetValue(resume),
                p => bar.Report(p.Fraction, $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1} {p.ImagesPerSecond:F0} img/s"),
                trainedOn: Path.GetFullPath(r.GetValue(data)!), ct: ct);
            result.Model.Save(outDir);
            var metrics = new TrainSummary(outDir, set.Count, set.ClassCount, options, result.History, result.Elapsed.TotalSeconds);
            File.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(metrics, PipelineJson.Options));
            new CheckpointStore(Path.Combine(outDir, "checkpoint")).Clear();
            var last = result.History[^1];
            ConsoleOutput.Summary(r.GetValue(json), metrics,
                $"trained {outDir}: {set.Count} images, {set.ClassCount} identities, {options.Epochs} epochs in {result.Elapsed.TotalSeconds:F0} s; " +
                $"final loss {last.Loss:F3}, train accuracy {last.Accuracy:P1}, {last.ImagesPerSecond:F0} img/s");
            result.Model.Dispose();
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private sealed record TrainSummary(string Model, int Samples, int Identities, TrainingOptions Options, IReadOnlyList<EpochMetrics> History, double Seconds);
}
