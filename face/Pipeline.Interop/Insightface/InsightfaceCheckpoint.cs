using System.Collections;
using System.Text.RegularExpressions;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pipeline.Interop.Insightface;

/// <summary>
/// insightface arcface_torch's <c>backbone.pth</c> (the state dict of its <c>iresnet.py</c> IResNet) as a model of
/// this pipeline. The two IResNets are the same network (stem conv-BN-PReLU; blocks BN-conv-BN-PReLU-conv-BN plus a
/// 1x1 conv-BN shortcut where the shape changes; head BN, flatten, dropout, FC, BN with unit scale; every BN eps 1e-5);
/// only module names differ (<c>layer2.0.bn1</c> here is <c>layers.layer2_0.bn1</c>) and this side keeps no
/// <c>num_batches_tracked</c>. The shape (depth, width, input size, embedding size) is read from the tensors, and
/// the imported model has no classifier: it embeds, evaluates, purifies by class centres and exports.
/// </summary>
public static partial class InsightfaceCheckpoint
{
    /// <summary>insightface's stride-1 stem ends its four stages at input / 16 (112 gives its 7 x 7 fc_scale).</summary>
    private const int Downsampling = 16;

    public static FaceModel Import(string path, string arch)
    {
        var tensors = Read(path);
        try
        {
            var spec = SpecOf(path, arch, tensors.ToDictionary(t => t.Key, t => t.Value.shape));
            var info = new ModelInfo(spec, SubCenters: 1, MarginSpec.ArcFace, Identities: [], TrainedOn: $"insightface {Path.GetFileName(path)}", CreatedAt: DateTimeOffset.UtcNow);
            var model = new FaceModel(info);
            try
            {
                Load(path, model.Backbone, tensors);
                return model;
            }
            catch { model.Dispose(); throw; }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The state dict in a <c>torch.save</c> zip, by insightface's names.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such checkpoint", path);
        Hashtable table;
        try { table = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is NotImplementedException or InvalidDataException or InvalidCastException or Razorvine.Pickle.PickleException or IOException)
        {
            throw new InvalidDataException($"{path}: not a PyTorch state dict saved by torch.save(model.state_dict()) ({e.Message})", e);
        }
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry e in table)
            if (e.Key is string k && e.Value is Tensor t) result[k] = t;
        return result;
    }

    /// <summary>This pipeline's name of an insightface key; null for what this side does not keep (num_batches_tracked).</summary>
    public static string? PipelineName(string insightfaceName) =>
        insightfaceName.EndsWith(".num_batches_tracked", StringComparison.Ordinal) ? null
            : BlockName().Replace(insightfaceName, "layers.layer$1_$2.", 1);

    /// <summary>
    /// The backbone the tensors describe, checked against <paramref name="arch"/>'s depth: blocks per stage from the
    /// layer keys, width from the stem, input size from the FC's inputs, embedding size from its outputs.
    /// </summary>
    public static BackboneSpec SpecOf(string path, string arch, IReadOnlyDictionary<string, long[]> shapes)
    {
        if (!BackboneSpec.Depths.TryGetValue(arch, out var depth))
            throw new ArgumentException($"--arch {arch}: unknown backbone (one of {string.Join(", ", BackboneSpec.Depths.Keys)})");
        long[] Shape(string key) => shapes.TryGetValue(key, out var s) ? s
            : throw new InvalidDataException($"{path}: no '{key}': not an insightface IResNet state dict (keys: {string.Join(", ", shapes.Keys.Take(8))}...)");
        var layers = new int[4];
        for (int s = 0; s < 4; s++)
            while (shapes.ContainsKey($"layer{s + 1}.{layers[s]}.conv1.weight")) layers[s]++;
        if (!layers.SequenceEqual(depth))
            throw new InvalidDataException($"{path}: has [{string.Join(", ", layers)}] blocks per stage, not {arch}'s [{string.Join(", ", depth)}]");
        long stem = Shape("conv1.weight")[0], last = Shape("bn2.weight")[0];
        var fc = Shape("fc.weight");
        double width = stem / 64.0;
        int spatial = (int)Math.Round(Math.Sqrt((double)fc[1] / last));
        var spec = new BackboneSpec(arch, depth, width, spatial * Downsampling, EmbeddingSize: (int)fc[0]);
        if (spatial * spatial * last != fc[1] || spec.StemStride != 1 || spec.Width(0) != stem || spec.Width(3) != last)
            throw new InvalidDataException($"{path}: stem width {stem}, last width {last} and fc inputs {fc[1]} are not an IResNet this pipeline builds (stride-1 stem, widths doubling per stage)");
        return spec;
    }

    private static void Load(string path, IResNet backbone, Dictionary<string, Tensor> tensors)
    {
        var target = backbone.state_dict();
        var mapped = new Dictionary<string, Tensor>();
        foreach (var (key, t) in tensors)
        {
            if (PipelineName(key) is not { } name) continue;
            if (!target.TryGetValue(name, out var into))
                throw new InvalidDataException($"{path}: '{key}' has no place in the {backbone.Spec.Name} backbone");
            if (!into.shape.SequenceEqual(t.shape))
                throw new InvalidDataException($"{path}: '{key}' is [{string.Join(", ", t.shape)}], the backbone's is [{string.Join(", ", into.shape)}]");
            mapped[name] = t.to(into.dtype);
        }
        var missing = target.Keys.Except(mapped.Keys).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path}: lacks {string.Join(", ", missing)}");
        backbone.load_state_dict(mapped, strict: true);
    }

    [GeneratedRegex(@"^layer(\d)\.(\d+)\.")]
    private static partial Regex BlockName();
}
