using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Models;

/// <summary>
/// A trained backbone and its margin head. On disk a model directory holds model.json (the
/// <see cref="ModelInfo"/>), backbone.ftns and head.ftns (<see cref="TensorFile"/>).
/// </summary>
public sealed class FaceModel : IDisposable
{
    public const string InfoFile = "model.json";
    private const string BackboneFile = "backbone.ftns";
    private const string HeadFile = "head.ftns";

    /// <summary>Serialises every model construction: initial weights come from libtorch's one process-wide generator.</summary>
    private static readonly Lock InitLock = new();

    /// <param name="seed">Seeds the initial weights. Construction holds a process-wide lock, so another
    /// model built (or loaded) at the same moment on another thread cannot take draws from this one's.</param>
    public FaceModel(ModelInfo info, double partialFcRate = 1.0, long? seed = null)
    {
        Info = info;
        lock (InitLock)
        {
            if (seed is { } s) torch.manual_seed(s);
            Backbone = new IResNet(info.Backbone);
            Head = new MarginHead(info.Backbone.EmbeddingSize, info.Identities.Count, info.SubCenters, info.Margin, partialFcRate);
        }
    }

    /// <summary>
    /// Runs code that draws from libtorch's process-wide generator (a module's default initialisation,
    /// <c>randn</c> without a generator) under the construction lock, so it cannot take draws from a
    /// seeded model being built on another thread, which would then start from other weights.
    /// </summary>
    public static T WithProcessGenerator<T>(Func<T> draw)
    {
        lock (InitLock) return draw();
    }

    public ModelInfo Info { get; }
    public IResNet Backbone { get; }
    public MarginHead Head { get; }

    public FaceModel To(Device device)
    {
        Backbone.to(device);
        Head.to(device);
        return this;
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        TensorFile.Save(Path.Combine(dir, BackboneFile), Backbone.state_dict());
        TensorFile.Save(Path.Combine(dir, HeadFile), Head.state_dict());
        var tmp = Path.Combine(dir, InfoFile + ".tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(Info, PipelineJson.Options));
        File.Move(tmp, Path.Combine(dir, InfoFile), overwrite: true);
    }

    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, InfoFile));

    public static ModelInfo ReadInfo(string dir)
    {
        var path = Path.Combine(dir, InfoFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir}: not a model directory (no {InfoFile})", path);
        return JsonSerializer.Deserialize<ModelInfo>(File.ReadAllText(path), PipelineJson.Options)
            ?? throw new InvalidDataException($"{path}: empty model description");
    }

    public static FaceModel Load(string dir, Device? device = null)
    {
        var model = new FaceModel(ReadInfo(dir));
        model.LoadWeights(dir);
        if (device is not null) model.To(device);
        return model;
    }

    public void LoadWeights(string dir)
    {
        LoadInto(Backbone, Path.Combine(dir, BackboneFile));
        LoadInto(Head, Path.Combine(dir, HeadFile));
    }

    internal static void LoadInto(nn.Module module, string path)
    {
        var tensors = TensorFile.Load(path);
        var (missing, unexpected) = module.load_state_dict(tensors, strict: false);
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"{path}: does not fit this model (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", unexpected)})");
        foreach (var t in tensors.Values) t.Dispose();
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Head.Dispose();
    }
}
