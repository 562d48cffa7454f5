using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;

namespace Pipeline.Face.Purification;

/// <summary>
/// Self-purifying training, an extension of the paper's loop (docs/METHOD.md#self-purification): after an
/// epoch, the model being trained embeds every sample, scores it by its angle to its class's mean
/// embedding, fits the automatic threshold's two-mode mixture to those angles, and the next epoch
/// trains only on the samples the noisy mode claims with less than the given posterior. A noisy
/// sample left out is no longer memorised, so its angle keeps growing while the clean ones the
/// model still trains on tighten: the stage's own drop rule then separates noise better, for the
/// price of one embedding pass an epoch, which the smaller epochs pay back. Every epoch
/// decides afresh, so a sample left out can come back.
/// </summary>
public static class SelfPurification
{
    /// <summary>Samples embedded per pass: 512 MB of 512-d embeddings, so no array caps the set's size.</summary>
    public const int ChunkSamples = 1 << 18;

    /// <summary>
    /// Which samples to train on next (true = train), or null when the mixture has no second component (nothing to
    /// leave out). With <paramref name="whitened"/> (the default) the angles are measured in the within-class-whitened
    /// space (<see cref="ClassCenterScoring.Whitened"/>), where the clean mode is tighter and less skewed: noisy sets
    /// lose fewer clean samples, a clean set more, and the Purifier's score separates better after it
    /// (bench/experiments/within-class-whitening.md).
    /// </summary>
    public static bool[]? Keep(FaceModel model, ImageSet set, double posterior, TorchSharp.torch.Device? device = null,
        int chunkSamples = ChunkSamples, bool whitened = true)
    {
        int dim = model.Info.Backbone.EmbeddingSize;
        var embedder = new Embedder(model, device);
        var chunks = new List<float[]>();
        var labels = new List<IReadOnlyList<int>>();
        for (int start = 0; start < set.Count; start += chunkSamples)
        {
            int n = Math.Min(chunkSamples, set.Count - start);
            chunks.Add(embedder.Embed(set, Enumerable.Range(start, n).ToArray()));
            labels.Add(new ArraySegment<int>(set.Labels, start, n));
        }
        var data = new EmbeddingChunks(dim, set.ClassCount, labels, c => chunks[c]);
        var angles = (whitened
            ? ClassCenterScoring.Whitened(data, a => a.Own, skewedClean: false, nearestOther: false)
            : ClassCenterScoring.Angles(data, nearestOther: false)).Own;
        if (ScoreThreshold.PosteriorThreshold(ScoreThreshold.Choose(angles), posterior) is not { } limit) return null;
        return angles.Select(a => a < limit).ToArray();
    }
}
