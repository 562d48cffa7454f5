using Pipeline.Datasets;
using Pipeline.Face.Models;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Embedding;

/// <summary>
/// Embeddings as the field computes them for evaluation: the model in eval mode, the image and
/// its mirror through the backbone, their sum L2-normalised. Returned row-major, one row of
/// <see cref="Dimension"/> floats per sample.
/// </summary>
public sealed class Embedder(FaceModel model, Device? device = null, int batchSize = 128)
{
    private readonly Device _device = device ?? CPU;

    public int Dimension => model.Info.Backbone.EmbeddingSize;

    public float[] Embed(ImageSet set, IReadOnlyList<int>? indices = null, Action<int, int>? progress = null, CancellationToken ct = default) =>
        TorchRuntime.OnOwnThread(() => EmbedHere(set, indices, progress, ct));

    private float[] EmbedHere(ImageSet set, IReadOnlyList<int>? indices, Action<int, int>? progress, CancellationToken ct)
    {
        var rows = indices ?? Enumerable.Range(0, set.Count).ToArray();
        var result = new float[(long)rows.Count * Dimension];
        model.Backbone.eval();
        model.Backbone.to(_device);
        var all = rows as int[] ?? rows.ToArray();
        for (int start = 0; start < all.Length; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, all.Length - start);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var idx = all.AsSpan(start, n);
            var x = BatchTensors.Images(set, idx, model.Info.Backbone.InputSize, default, _device);
            var e = model.Backbone.call(x) + model.Backbone.call(x.flip(3));
            var normalised = nn.functional.normalize(e, p: 2, dim: 1).cpu().contiguous();
            normalised.data<float>().CopyTo(result.AsSpan(start * Dimension, n * Dimension));
            progress?.Invoke(start + n, all.Length);
        }
        return result;
    }
}
