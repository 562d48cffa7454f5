using System.CommandLine;
using System.Text;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face;
using Pipeline.Interop;

namespace Pipeline.Cli.Commands;

public static class EmbedCommand
{
    public static Command Create()
    {
        var model = CommonOptions.EmbeddingModel();
        var data = CommonOptions.Data("Images to embed (same formats as train)");
        var output = new Option<string>("--out") { Description = "Embeddings file: a NumPy .npy of float32 [N, 512], L2-normalised (image + mirror), with OUT.json beside it naming each row's path and identity", Required = true };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var cmd = new Command("embed", "Embed face images with a trained model");
        var align = CommonOptions.Align();
        foreach (var o in new Option[] { model, data, output, device, align, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            using var face = EmbeddingModel.Open(r.GetValue(model)!, TorchRuntime.ResolveDevice(r.GetValue(device)!));
            var set = DatasetInput.Load(r.GetValue(data)!, align: r.GetValue(align));
            var bar = new ProgressBar("embed");
            var emb = face.Embed(set, (d, n) => bar.Report((double)d / n, $"{d}/{n}"), ct);
            var outPath = r.GetValue(output)!;
            Npy.Write(outPath, emb, set.Count, face.Dimension);
            var rows = Enumerable.Range(0, set.Count).Select(i => new { path = set.Paths[i], identity = set.Identities[set.Labels[i]] });
            using (var file = File.Create(outPath + ".json")) JsonSerializer.Serialize(file, rows, PipelineJson.Options);
            ConsoleOutput.Summary(r.GetValue(json), new { Output = outPath, Rows = set.Count, face.Dimension },
                $"{set.Count} embeddings written to {outPath} (+ {outPath}.json)");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
