using System.CommandLine;
using Pipeline.Face.Backbones;
using Pipeline.Interop.Insightface;

namespace Pipeline.Cli.Commands;

/// <summary>`pipeline import`: an insightface arcface_torch backbone.pth as a model directory.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "insightface arcface_torch backbone.pth (a torch.save of the IResNet's state dict)", Required = true };
        var arch = new Option<string>("--arch") { Description = $"The checkpoint's IResNet: {string.Join(", ", BackboneSpec.Depths.Keys.Where(k => k != "tiny"))}; its depth is checked against the file", Required = true };
        var output = new Option<string>("--out") { Description = "Model directory to write (as `pipeline train` does, with no classes: embed, evaluate, purify by class centres, export)", Required = true };
        var json = CommonOptions.Json();
        var cmd = new Command("import", "Read an insightface arcface_torch backbone.pth into a model directory");
        foreach (var o in new Option[] { from, arch, output, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            using var face = InsightfaceCheckpoint.Import(r.GetValue(from)!, r.GetValue(arch)!);
            var dir = r.GetValue(output)!;
            face.Save(dir);
            var spec = face.Info.Backbone;
            ConsoleOutput.Summary(r.GetValue(json), new { Output = dir, Backbone = spec.Name, spec.WidthMultiplier, spec.InputSize, spec.EmbeddingSize },
                $"{spec.Name} (width x{spec.WidthMultiplier:0.###}, input {spec.InputSize}) imported from {r.GetValue(from)} to {dir}");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
