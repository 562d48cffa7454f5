using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using TorchSharp;

namespace Pipeline.Face.Purification;

/// <summary>
/// Runs <see cref="SubCenterPurifier"/> with a trained sub-center model over the set it was trained on, or, for a model
/// with no classifier of this set (imported, ONNX), with each class's mean embedding as its one center.
/// </summary>
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

    /// <summary>
    /// Decides on embeddings from a model without this set's classifier: each class's normalised mean embedding is its
    /// one center, so the class-center scores (class-mean, class-margin) are measured as with a trained head; the paper's
    /// sub-center score has no sub-centers to measure and is refused.
    /// </summary>
    /// <summary>Refuses a score that needs the model's sub-centers, for a model that has no classifier of the set.</summary>
    public static void RequireClassCenterScore(DropRule rule)
    {
        if (rule.Score.Name == Contracts.DropScores.SubCenter)
            throw new ArgumentException($"the {rule.Score.Name} score needs the model's sub-centers, and this model has no classifier of the set: score by {Contracts.DropScores.ClassMargin} or {Contracts.DropScores.ClassMean}");
    }

    public static PurificationReport ByClassMeans(float[] embeddings, int dim, ImageSet set, DropRule rule)
    {
        RequireClassCenterScore(rule);
        var centers = EmbeddingAngles.ClassMeans(embeddings, dim, set.Labels, set.Identities.Count);
        return SubCenterPurifier.Decide(embeddings, dim, set.Labels, centers, 1, set.Paths, set.Identities, rule);
    }
}
