using Xunit.Abstractions;
using Pipeline.Face.Embedding;
using Pipeline.Face.Training;
using Pipeline.Interop.Onnx;
using Pipeline.TestSupport;
using TorchSharp;

namespace Pipeline.Interop.Tests;

/// <summary>An exported backbone computes in ONNX Runtime what it computes in TorchSharp, on synthetic faces.</summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-export-").FullName;

    private string Export(Face.Models.FaceModel model)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".onnx");
        OnnxExport.Save(model, path);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("tiny", 112)]
    [InlineData("tiny", 64)]
    [InlineData("r18", 64)]
    [InlineData("r50", 64)]
    public void Onnx_runtime_gives_torchsharps_embeddings(string name, int inputSize)
    {
        using var model = Backbones.Model(name, inputSize);
        var path = Export(model);
        using var onnx = new OnnxEmbedder(path);
        Assert.Equal(inputSize, onnx.InputSize);
        Assert.Equal(512, onnx.Dimension);

        var set = SyntheticFaces.Four;
        using var x = BatchTensors.Images(set, [0, 1, 2, 3], inputSize, default, torch.CPU).contiguous();
        var input = x.data<float>().ToArray();
        var expected = Backbones.Raw(model.Backbone, input, 4);
        var actual = onnx.Backbone(input, 4);
        double cos = Backbones.MinRowCosine(expected, actual, 512);
        Assert.True(cos >= 1 - 1e-6, $"{name}@{inputSize}: raw embeddings' cosine {cos:R} (max abs diff {Backbones.MaxAbsDiff(expected, actual):E2})");

        var normalised = onnx.Embed(set);
        var reference = new Embedder(model).Embed(set);
        double diff = Backbones.MaxAbsDiff(reference, normalised);
        output.WriteLine($"{name}@{inputSize}: raw max abs diff {Backbones.MaxAbsDiff(expected, actual):E2} (outputs up to {expected.Max(Math.Abs):F2}), min cosine {cos:R}; normalised max abs diff {diff:E2}");
        Assert.True(diff <= 1e-4, $"{name}@{inputSize}: L2-normalised embeddings differ by {diff:E2}");
    }

    [Fact]
    public void The_export_names_its_conventions_and_has_a_dynamic_batch()
    {
        using var model = Backbones.Model("tiny", 64);
        var path = Export(model);
        using var onnx = new OnnxEmbedder(path, batchSize: 3); // 4 faces: batches of 6 and 2 rows (image + mirror)
        Assert.Equal(OnnxExport.NormalisationValue, onnx.Metadata[OnnxExport.Keys.Normalisation]);
        Assert.Equal(OnnxExport.OutputValue, onnx.Metadata[OnnxExport.Keys.Output]);
        Assert.Contains("\"tiny\"", onnx.Metadata[OnnxExport.Keys.Backbone]);
        var emb = onnx.Embed(SyntheticFaces.Four);
        Assert.True(Backbones.MaxAbsDiff(new Embedder(model).Embed(SyntheticFaces.Four), emb) <= 1e-4);
    }

    /// <summary>The ONNX project's own checker (Debian python3-onnx) accepts the file: schema, opset, shapes.</summary>
    [Fact]
    public void The_onnx_checker_accepts_the_export()
    {
        using var model = Backbones.Model("tiny", 112);
        var path = Export(model);
        var (code, stdout, stderr) = ChildProcess.Run("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "onnx_check.py"), path]);
        Assert.True(code == 0, $"onnx.checker (python3-onnx) refused {path}: {stderr}{stdout}");
        Assert.Contains("ok (ir 8, opset 17", stdout);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_by_name()
    {
        var path = Path.Combine(_dir, "not.onnx");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<InvalidDataException>(() => new OnnxEmbedder(path));
        Assert.StartsWith(path + ":", e.Message);
    }
}
