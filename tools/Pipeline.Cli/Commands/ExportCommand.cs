using System.CommandLine;
using Pipeline.Face.Models;
using Pipeline.Interop.Onnx;

namespace Pipeline.Cli.Commands;

/// <summary>`pipeline export`: a model's backbone as an ONNX graph (Pipeline.Interop's OnnxExport says the conventions).</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--out")
        {
            Description = "ONNX file to write: input N x 3 x S x S RGB float already normalised (x - 127.5) / 127.5 (insightface's convention), "
                + "output the N x 512 embedding before L2 normalisation; both are also written in the file's metadata",
            Required = true,
        };
        var json = CommonOptions.Json();
        var cmd = new Command("export", "Write a model's backbone as a standard ONNX graph (ONNX Runtime, insightface's model zoo)");
        foreach (var o in new Option[] { model, output, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            using var face = FaceModel.Load(r.GetValue(model)!);
            var outPath = r.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            OnnxExport.Save(face, outPath);
            var spec = face.Info.Backbone;
            ConsoleOutput.Summary(r.GetValue(json), new { Output = outPath, Backbone = spec.Name, spec.InputSize, spec.EmbeddingSize, OnnxExport.Opset },
                $"{spec.Name} backbone written to {outPath} (ONNX opset {OnnxExport.Opset}, input N x 3 x {spec.InputSize} x {spec.InputSize})");
            return Task.FromResult(0);
        }));
        return cmd;
    }
}
