using Xunit.Abstractions;
using System.Text.Json;
using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.Face.Models;
using Pipeline.Interop.Insightface;
using Pipeline.Interop.Onnx;

namespace Pipeline.Interop.Tests;

/// <summary>
/// An insightface arcface_torch checkpoint imports to the same network: its embeddings equal PyTorch's on
/// insightface's own iresnet.py (Golden/insightface_reference.py).
/// </summary>
public class InsightfaceImportTests(ITestOutputHelper output)
{
    private static readonly string Golden = Path.Combine(AppContext.BaseDirectory, "Golden");

    [Fact]
    public void An_imported_checkpoint_embeds_as_pytorch_does()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Golden, "insightface_golden.json")));
        var root = doc.RootElement;
        int size = root.GetProperty("size").GetInt32();
        var pixels = root.GetProperty("pixels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = root.GetProperty("embeddings").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        int n = pixels.Length / (size * size * 3);

        using var model = InsightfaceCheckpoint.Import(Path.Combine(Golden, root.GetProperty("checkpoint").GetString()!), root.GetProperty("arch").GetString()!);
        var spec = model.Info.Backbone;
        Assert.Equal(("r18", 0.125, size, 512, 1), (spec.Name, spec.WidthMultiplier, spec.InputSize, spec.EmbeddingSize, spec.StemStride));
        Assert.Equal([2, 2, 2, 2], spec.Layers);

        var input = new float[pixels.Length]; // HWC bytes to normalised NCHW, as insightface feeds its backbone
        for (int i = 0; i < n; i++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    for (int c = 0; c < 3; c++)
                        input[((i * 3 + c) * size + y) * size + x] = (pixels[((i * size + y) * size + x) * 3 + c] - 127.5f) / 127.5f;
        var actual = Backbones.Raw(model.Backbone, input, n);
        double diff = Backbones.MaxAbsDiff(expected, actual);
        output.WriteLine($"imported r18 (width 8) vs PyTorch: max abs diff {diff:E2}, outputs up to {expected.Max(Math.Abs):F2}");
        Assert.True(diff <= 1e-4, $"imported backbone differs from PyTorch's by {diff:E2} (outputs up to {expected.Max(Math.Abs):F2})");
    }

    [Fact]
    public void An_imported_checkpoint_saves_loads_and_exports()
    {
        var dir = Path.Combine(Path.GetTempPath(), "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = InsightfaceCheckpoint.Import(Path.Combine(Golden, "insightface_r18_w8.pth"), "r18");
            model.Save(dir);
            using var loaded = FaceModel.Load(dir);
            Assert.Empty(loaded.Info.Identities);
            var input = Enumerable.Range(0, 2 * 3 * 32 * 32).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
            var before = Backbones.Raw(model.Backbone, input, 2);
            Assert.Equal(before, Backbones.Raw(loaded.Backbone, input, 2));

            var onnxPath = Path.Combine(dir, "model.onnx");
            OnnxExport.Save(loaded, onnxPath);
            using var onnx = new OnnxEmbedder(onnxPath);
            Assert.True(Backbones.MinRowCosine(before, onnx.Backbone(input, 2), 512) >= 1 - 1e-6);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// <summary>Every key of upstream iresnet50's state dict (listed by PyTorch) finds its tensor here, of the same shape.</summary>
    [Fact]
    public void Insightface_r50_names_map_onto_this_r50()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Golden, "insightface_r50_keys.json")));
        var shapes = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
        var spec = InsightfaceCheckpoint.SpecOf("backbone.pth", "r50", shapes);
        Assert.Equal(("r50", 1.0, 112, 512, 1), (spec.Name, spec.WidthMultiplier, spec.InputSize, spec.EmbeddingSize, spec.StemStride));
        Assert.Equal([3, 4, 14, 3], spec.Layers);

        using var backbone = FaceModel.WithProcessGenerator(() => new IResNet(spec));
        var ours = backbone.state_dict().ToDictionary(t => t.Key, t => t.Value.shape);
        var mapped = shapes.Where(s => InsightfaceCheckpoint.PipelineName(s.Key) is not null)
            .ToDictionary(s => InsightfaceCheckpoint.PipelineName(s.Key)!, s => s.Value);
        Assert.Equal(ours.Keys.Order(), mapped.Keys.Order());
        foreach (var (key, shape) in mapped) Assert.True(ours[key].SequenceEqual(shape), $"{key}: ours [{string.Join(", ", ours[key])}], insightface's [{string.Join(", ", shape)}]");
        Assert.Equal("layers.layer3_13.bn1.running_var", InsightfaceCheckpoint.PipelineName("layer3.13.bn1.running_var"));
        Assert.Null(InsightfaceCheckpoint.PipelineName("layer1.0.bn1.num_batches_tracked"));
    }

    [Fact]
    public void A_checkpoint_of_another_depth_is_refused_naming_both()
    {
        var path = Path.Combine(Golden, "insightface_r18_w8.pth");
        var e = Assert.Throws<InvalidDataException>(() => InsightfaceCheckpoint.Import(path, "r50"));
        Assert.Equal($"{path}: has [2, 2, 2, 2] blocks per stage, not r50's [3, 4, 14, 3]", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_refused_by_name()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-a-pth-{Guid.NewGuid():N}.pth");
        File.WriteAllText(path, "hello, not a zip");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => InsightfaceCheckpoint.Import(path, "r18"));
            Assert.StartsWith(path + ": not a PyTorch state dict", e.Message);
        }
        finally { File.Delete(path); }
    }
}
