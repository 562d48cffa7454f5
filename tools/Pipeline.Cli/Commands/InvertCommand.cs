using System.CommandLine;
using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Inversion;
using Pipeline.Face.Models;

namespace Pipeline.Cli.Commands;

public static class InvertCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var identity = new Option<string?>("--identity") { Description = "Closed-set: synthesise a face of this training identity (its class centers)" };
        var image = new Option<string?>("--image") { Description = "Open-set: synthesise a face with the embedding of this image (any face)" };
        var output = new Option<string>("--out") { Description = "PNG to write: the synthesised batch side by side", Required = true };
        var steps = new Option<int>("--steps") { Description = "Adam steps on the pixels", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch") { Description = "Faces synthesised together (the BN prior needs a batch)", DefaultValueFactory = _ => 4 };
        var bn = new Option<double>("--bn-weight") { Description = "Weight of the BatchNorm prior (0 shows why it matters)", DefaultValueFactory = _ => 0.05 };
        var tv = new Option<double>("--tv-weight") { Description = "Weight of the total-variation smoothness term", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the starting noise", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var cmd = new Command("invert", "Turn an embedding back into a face image with the trained network alone (its gradients and BatchNorm statistics)");
        foreach (var o in new Option[] { model, identity, image, output, steps, batch, bn, tv, seed, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            using var face = FaceModel.Load(r.GetValue(model)!);
            var options = new InversionOptions { Steps = r.GetValue(steps), Batch = r.GetValue(batch), BnWeight = r.GetValue(bn), TvWeight = r.GetValue(tv), Seed = r.GetValue(seed) };
            var bar = new ProgressBar("invert");
            Action<int, double> progress = (s, c) => bar.Report((double)s / options.Steps, $"cosine {c:F3}");
            InversionResult result;
            if (r.GetValue(identity) is string id) result = FaceInverter.ToIdentity(face, id, options, progress);
            else if (r.GetValue(image) is string path)
            {
                var decoded = new ImageValidator(new ValidationOptions { ImageSize = face.Info.Backbone.InputSize, MinSize = 16 }).Validate(File.ReadAllBytes(path));
                if (decoded.Pixels is null) throw new InvalidDataException($"{path}: {decoded.Reason}");
                var set = new ImageSet(face.Info.Backbone.InputSize, decoded.Pixels, [0], [path], ["target"]);
                result = FaceInverter.ToEmbedding(face, new Embedder(face).Embed(set), options, progress);
            }
            else throw new ArgumentException("give --identity (closed-set) or --image (open-set)");
            var outPath = r.GetValue(output)!;
            WriteStrip(outPath, result);
            ConsoleOutput.Summary(r.GetValue(json), new { Output = outPath, result.Cosine, result.InitialCosine, BnPrior = new { result.InitialBnLoss, result.FinalBnLoss } },
                $"{outPath}: {result.Batch} faces, cosine to the target {string.Join(", ", result.Cosine.Select(c => c.ToString("F3")))} (from {result.InitialCosine:F3})");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    /// <summary>The batch side by side in one PNG.</summary>
    private static void WriteStrip(string path, InversionResult r)
    {
        int row = r.Size * 3, strip = r.Batch * row;
        var rgb = new byte[r.Size * strip];
        for (int b = 0; b < r.Batch; b++)
            for (int y = 0; y < r.Size; y++)
                r.Pixels.AsSpan((b * r.Size + y) * row, row).CopyTo(rgb.AsSpan(y * strip + b * row, row));
        File.WriteAllBytes(path, RgbPng.Encode(rgb, r.Size * r.Batch, r.Size));
    }
}
