using System.CommandLine;
using Pipeline.Alignment;
using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Inversion;
using Pipeline.Face.Models;
using Pipeline.Indexer;

namespace Pipeline.Cli.Commands;

public static class InvertCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var identity = new Option<string?>("--identity") { Description = "Closed-set: synthesise a face of this training identity (its class centers)" };
        var image = new Option<string?>("--image") { Description = "Open-set: synthesise a face with the embedding of this photo (any face; found as --align says)" };
        var embedding = new Option<string?>("--embedding") { Description = "Open-set: synthesise a face with this embedding (a .npy as `pipeline embed` writes; --row picks the row)" };
        var row = new Option<int>("--row") { Description = "Row of the --embedding file", DefaultValueFactory = _ => 0 };
        var check = new Option<string?>("--check-model") { Description = "An independently trained model that embeds the result: its cosine to its own view of the target says whether the face carries the identity beyond the network that made it" };
        var output = new Option<string>("--out") { Description = "PNG to write: the synthesised batch side by side", Required = true };
        var recipe = new Option<string>("--recipe") { Description = $"{string.Join(" | ", InversionOptions.Named.Keys)} (paper: the ArcFace paper's recipe; smooth: a gentle start, pixels at a quarter of the resolution grown coarse to fine, jitter and zoom)", DefaultValueFactory = _ => "smooth" };
        var steps = new Option<int?>("--steps") { Description = "Adam steps on the pixels (default: the recipe's)" };
        var batch = new Option<int?>("--batch") { Description = "Faces synthesised together (the BN prior needs a batch)" };
        var lr = new Option<double?>("--lr") { Description = "Adam's learning rate on the pixels (image in [-1, 1])" };
        var bn = new Option<double?>("--bn-weight") { Description = "Weight of the BatchNorm prior (0 shows why it matters)" };
        var tv = new Option<double?>("--tv-weight") { Description = "Weight of the total-variation smoothness term" };
        var jitter = new Option<int?>("--jitter") { Description = "Random shift of the image each step, in pixels (0 = off)" };
        var zoom = new Option<double?>("--zoom") { Description = "Random zoom of the image each step, as a fraction (0.1 = 0.9x to 1.1x; 0 = off)" };
        var pixelScale = new Option<int?>("--pixel-scale") { Description = "Optimise the pixels at 1/N of the input size to the end, upsampled (1 = full resolution)" };
        var levels = new Option<int?>("--levels") { Description = "Coarse-to-fine resolution levels (1 = full resolution throughout)" };
        var firstBn = new Option<double?>("--first-bn") { Description = "Weight of the first BatchNorm layer's prior relative to the others" };
        var cosineLr = new Option<bool?>("--cosine-lr") { Description = "Cosine decay of the learning rate within each level" };
        var noise = new Option<double?>("--init-noise") { Description = "Standard deviation of the starting noise (image in [-1, 1])" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the starting noise and the jitter" };
        var align = CommonOptions.Align();
        var json = CommonOptions.Json();
        var cmd = new Command("invert", "Turn an embedding back into a face image with the trained network alone (its gradients and BatchNorm statistics)");
        foreach (var o in new Option[] { model, identity, image, embedding, row, check, output, recipe, steps, batch, lr, bn, tv, jitter, zoom, pixelScale, levels, firstBn, cosineLr, noise, seed, align, json })
            cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var name = r.GetValue(recipe)!;
            if (!InversionOptions.Named.TryGetValue(name, out var baseline))
                throw new ArgumentException($"unknown --recipe '{name}' (one of {string.Join(", ", InversionOptions.Named.Keys)})");
            var options = baseline with
            {
                Steps = r.GetValue(steps) ?? baseline.Steps, Batch = r.GetValue(batch) ?? baseline.Batch, LearningRate = r.GetValue(lr) ?? baseline.LearningRate, BnWeight = r.GetValue(bn) ?? baseline.BnWeight,
                TvWeight = r.GetValue(tv) ?? baseline.TvWeight, Jitter = r.GetValue(jitter) ?? baseline.Jitter, Zoom = r.GetValue(zoom) ?? baseline.Zoom, Levels = r.GetValue(levels) ?? baseline.Levels, PixelScale = r.GetValue(pixelScale) ?? baseline.PixelScale,
                FirstBnMultiplier = r.GetValue(firstBn) ?? baseline.FirstBnMultiplier, CosineSchedule = r.GetValue(cosineLr) ?? baseline.CosineSchedule,
                InitialNoise = r.GetValue(noise) ?? baseline.InitialNoise, Seed = r.GetValue(seed) ?? baseline.Seed,
            };
            var targets = new[] { r.GetValue(identity), r.GetValue(image), r.GetValue(embedding) }.Count(t => t is not null);
            if (targets != 1) throw new ArgumentException("give one of --identity (closed-set), --image or --embedding (open-set)");
            using var face = FaceModel.Load(r.GetValue(model)!);
            using var checker = r.GetValue(check) is string checkDir ? FaceModel.Load(checkDir) : null;
            var crop = FacePolicy.ForQuery(r.GetValue(align));
            var bar = new ProgressBar("invert");
            Action<int, double> progress = (s, c) => bar.Report((double)s / options.Steps, $"cosine {c:F3}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            InversionResult result;
            double[]? checkCosine = null;
            int[]? checkRank = null;
            if (r.GetValue(identity) is string id)
            {
                result = FaceInverter.ToIdentity(face, id, options, progress);
                if (checker is not null)
                {
                    var seen = InversionCheck.ToIdentity(checker, result, id);
                    (checkCosine, checkRank) = (seen.Select(f => f.Cosine).ToArray(), seen.Select(f => f.Rank).ToArray());
                }
            }
            else if (r.GetValue(image) is string path)
            {
                var bytes = await File.ReadAllBytesAsync(path, ct);
                result = FaceInverter.ToEmbedding(face, await EmbedPhotoAsync(face, bytes, path, crop, ct), options, progress);
                if (checker is not null) checkCosine = InversionCheck.ToEmbedding(checker, result, await EmbedPhotoAsync(checker, bytes, path, crop, ct));
            }
            else
            {
                if (checker is not null) throw new ArgumentException("--check-model needs the photo the target came from: give --image instead of --embedding");
                var file = r.GetValue(embedding)!;
                var target = Npy.ReadRow(file, r.GetValue(row));
                if (target.Length != face.Info.Backbone.EmbeddingSize)
                    throw new InvalidDataException($"{file}: a {target.Length}-d embedding, the model's are {face.Info.Backbone.EmbeddingSize}-d");
                result = FaceInverter.ToEmbedding(face, target, options, progress);
            }
            var outPath = r.GetValue(output)!;
            File.WriteAllBytes(outPath, InversionImage.Strip(result));
            var checkText = checkCosine is null ? "" : $"; check model {string.Join(", ", checkCosine.Select(c => c.ToString("F3")))}"
                + (checkRank is null ? "" : $" (the identity's rank {string.Join(", ", checkRank)} of {checker!.Info.Identities.Count})");
            ConsoleOutput.Summary(r.GetValue(json), new
                {
                    Output = outPath, Recipe = name, Options = options, result.Cosine, CheckCosine = checkCosine, CheckRank = checkRank, result.InitialCosine, result.Smoothness,
                    Losses = new { result.Initial, result.Final }, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                },
                $"{outPath}: {result.Batch} faces, cosine to the target {string.Join(", ", result.Cosine.Select(c => c.ToString("F3")))} (from {result.InitialCosine:F3}){checkText}; smoothness {result.Smoothness:F1} grey levels");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A photo embedded by a model, its face found as a search query's is.</summary>
    private static async Task<float[]> EmbedPhotoAsync(FaceModel model, byte[] bytes, string path, IFaceCrop? crop, CancellationToken ct)
    {
        int size = model.Info.Backbone.InputSize;
        byte[] pixels;
        try { pixels = await SearchUpload.DecodeAsync(bytes, size, ct, crop); }
        catch (SearchInputException e) { throw new InvalidDataException($"{path}: {e.Message}"); }
        return new Embedder(model).Embed(new ImageSet(size, pixels, [0], [path], ["target"]));
    }
}
