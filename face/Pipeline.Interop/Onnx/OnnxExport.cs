using System.Text.Json;
using Google.Protobuf;
using Onnx;
using Pipeline.Contracts;
using Pipeline.Face.Backbones;
using Pipeline.Face.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Interop.Onnx;

/// <summary>
/// A backbone as a standard ONNX graph (opset 17, IR 8): input <c>N x 3 x S x S</c> float, already normalised
/// <c>(rgb - 127.5) / 127.5</c> as insightface's recognition models take it; output the embedding before L2
/// normalisation, as insightface ships it. Eval mode: every BatchNorm is a BatchNormalization node with its
/// running statistics (ONNX Runtime folds them into the convolutions when it loads the graph), Dropout is left out.
/// </summary>
public static class OnnxExport
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const int Opset = 17;
    public const int IrVersion = 8;

    /// <summary>The metadata_props keys, so a reader need not guess the conventions.</summary>
    public static class Keys
    {
        public const string Normalisation = "input_normalisation";
        public const string Output = "output";
        public const string Backbone = "backbone";
    }

    public const string NormalisationValue = "(x - 127.5) / 127.5 applied by the caller: input is RGB, NCHW, float32 in [-1, 1]";
    public const string OutputValue = "embedding before L2 normalisation (L2-normalise before comparing; the pipeline embeds an image and its mirror, sums, then normalises)";

    public static void Save(FaceModel model, string path)
    {
        var proto = Build(model.Backbone);
        var tmp = path + ".tmp";
        using (var file = File.Create(tmp)) proto.WriteTo(file);
        File.Move(tmp, path, overwrite: true);
    }

    internal static ModelProto Build(IResNet backbone)
    {
        var spec = backbone.Spec;
        var graph = new OnnxGraph("iresnet");
        var writer = new Writer(graph, backbone.named_modules().ToDictionary(m => m.name, m => m.module));
        graph.Input(InputName, "batch", 3, spec.InputSize, spec.InputSize);

        var x = writer.PRelu("prelu", writer.BatchNorm("bn1", writer.Conv("conv1", InputName)));
        for (int s = 0; s < 4; s++)
            for (int b = 0; b < spec.Layers[s]; b++)
            {
                var p = $"layers.layer{s + 1}_{b}.";
                var h = writer.Conv(p + "conv1", writer.BatchNorm(p + "bn1", x));
                h = writer.BatchNorm(p + "bn3", writer.Conv(p + "conv2", writer.PRelu(p + "prelu", writer.BatchNorm(p + "bn2", h))));
                var identity = writer.Has(p + "downsample.0") ? writer.BatchNorm(p + "downsample.1", writer.Conv(p + "downsample.0", x)) : x;
                x = graph.Node("Add", p + "add", [h, identity]);
            }
        x = graph.Node("Flatten", "flatten", [writer.BatchNorm("bn2", x)], OnnxGraph.Int("axis", 1));
        x = writer.BatchNorm("features", writer.Gemm("fc", x));
        graph.Output(x, OutputName, "batch", spec.EmbeddingSize);

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "pipeline",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"IResNet face embedding backbone ({spec.Name}); see metadata_props for input and output conventions",
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = Keys.Normalisation, Value = NormalisationValue });
        model.MetadataProps.Add(new StringStringEntryProto { Key = Keys.Output, Value = OutputValue });
        model.MetadataProps.Add(new StringStringEntryProto { Key = Keys.Backbone, Value = JsonSerializer.Serialize(spec, PipelineJson.Options) });
        return model;
    }

    /// <summary>Emits the backbone's modules, found by their names in the module tree, as ONNX nodes.</summary>
    private sealed class Writer(OnnxGraph graph, Dictionary<string, nn.Module> modules)
    {
        public bool Has(string name) => modules.ContainsKey(name);

        private T Get<T>(string name) where T : nn.Module =>
            modules.TryGetValue(name, out var m) && m is T t ? t
                : throw new InvalidOperationException($"backbone has no {typeof(T).Name} named '{name}'");

        public string Conv(string name, string x)
        {
            var conv = Get<Conv2d>(name);
            var w = conv.weight!;
            long k = w.shape[2], pad = k / 2; // IResNet's convolutions are "same"-padded: 3x3 pad 1, 1x1 pad 0
            var stride = conv.stride;
            return graph.Node("Conv", name, [x, graph.Weight(name + ".weight", Floats(w), w.shape)],
                OnnxGraph.Ints("kernel_shape", k, w.shape[3]), OnnxGraph.Ints("strides", stride[0], stride[1]),
                OnnxGraph.Ints("pads", pad, pad, pad, pad));
        }

        public string BatchNorm(string name, string x)
        {
            var bn = Get<Face.Backbones.BatchNorm>(name);
            long c = bn.Features;
            return graph.Node("BatchNormalization", name,
                [x, graph.Weight(name + ".weight", Floats(bn.Weight), c), graph.Weight(name + ".bias", Floats(bn.Bias), c),
                 graph.Weight(name + ".running_mean", Floats(bn.RunningMean), c), graph.Weight(name + ".running_var", Floats(bn.RunningVar), c)],
                OnnxGraph.Float("epsilon", (float)bn.Eps));
        }

        /// <summary>The per-channel slope as C x 1 x 1, so it broadcasts over N x C x H x W.</summary>
        public string PRelu(string name, string x)
        {
            var w = Get<PRelu>(name).Weight;
            return graph.Node("PRelu", name, [x, graph.Weight(name + ".weight", Floats(w), w.shape[0], 1, 1)]);
        }

        public string Gemm(string name, string x)
        {
            var fc = Get<Linear>(name);
            var w = fc.weight!;
            return graph.Node("Gemm", name, [x, graph.Weight(name + ".weight", Floats(w), w.shape), graph.Weight(name + ".bias", Floats(fc.bias!), w.shape[0])],
                OnnxGraph.Int("transB", 1));
        }

        private static float[] Floats(Tensor t)
        {
            using var cpu = t.detach().to(ScalarType.Float32).cpu().contiguous();
            return cpu.data<float>().ToArray();
        }
    }
}
