using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using Pipeline.Face.Purification;
using Pipeline.Interop.Onnx;
using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>
/// What a verb's <c>--model</c> names: a model directory (run by TorchSharp; trained here or imported) or an ONNX file
/// (run by ONNX Runtime: one <see cref="OnnxExport"/> wrote, or insightface's). Both embed alike (image + mirror,
/// L2-normalised); only a trained model has its set's classifier, the others purify by class means.
/// </summary>
public sealed class EmbeddingModel : IDisposable
{
    private readonly OnnxEmbedder? _onnx;
    private readonly Device _device;

    private EmbeddingModel(FaceModel? face, OnnxEmbedder? onnx, Device device)
    {
        Face = face;
        _onnx = onnx;
        _device = device;
    }

    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <param name="device">Where a TorchSharp model runs; an ONNX file runs on ONNX Runtime's CPU provider.</param>
    public static EmbeddingModel Open(string path, Device device) =>
        IsOnnx(path) ? new EmbeddingModel(null, new OnnxEmbedder(path), device) : new EmbeddingModel(FaceModel.Load(path), null, device);

    /// <summary>The TorchSharp model, or null for an ONNX file.</summary>
    public FaceModel? Face { get; }

    /// <summary>Whether the model has its own classifier (class centers) of the set it was trained on: not an ONNX file or an imported backbone.</summary>
    public bool HasClassifier => Face is { Info.Identities.Count: > 0 };

    public int Dimension => Face?.Info.Backbone.EmbeddingSize ?? _onnx!.Dimension;

    /// <summary>The square side, in pixels, of the images the model takes.</summary>
    public int InputSize => Face?.Info.Backbone.InputSize ?? _onnx!.InputSize;

    public float[] Embed(ImageSet set, Action<int, int>? progress = null, CancellationToken ct = default) =>
        _onnx?.Embed(set, progress: progress, ct: ct) ?? new Embedder(Face!, _device).Embed(set, progress: progress, ct: ct);

    /// <summary>With the model's own classifier when it was trained on <paramref name="set"/>'s identities; by class means when it has none.</summary>
    public PurificationReport Purify(ImageSet set, DropRule rule, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        if (HasClassifier) return ModelPurification.Purify(Face!, set, rule, _device, progress, ct);
        ModelPurification.RequireClassCenterScore(rule); // before the whole set is embedded
        return ModelPurification.ByClassMeans(Embed(set, progress, ct), Dimension, set, rule);
    }

    public void Dispose()
    {
        Face?.Dispose();
        _onnx?.Dispose();
    }
}
