using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using TorchSharp;

namespace Pipeline.Face.Purification;

/// <summary>Runs <see cref="SubCenterPurifier"/> with a trained sub-center model over the set it was trained on.</summary>
public static class ModelPurification
{
    public static PurificationReport Purify(FaceModel model, ImageSet set, DropRule rule, torch.Device? device = null,
        Action<int, int>? progress = null, CancellationToken ct = default)
    {
        if (!set.Identities.SequenceEqual(model.Info.Identities))
            throw new InvalidOperationException("the model was trained on other identities than this dataset's; purify with the model trained on it");
        var embeddings = new Embedder(model, device).Embed(set, progress: progress, ct: ct);
        using var centers = model.Head.NormalisedSubCenters();
        var flat = centers.contiguous().data<float>().ToArray();
        return SubCenterPurifier.Decide(embeddings, model.Info.Backbone.EmbeddingSize, set.Labels, flat,
            model.Info.SubCenters, set.Paths, set.Identities, rule);
    }
}
