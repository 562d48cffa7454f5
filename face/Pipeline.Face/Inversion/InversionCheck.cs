using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using System.Numerics.Tensors;
using static TorchSharp.torch;

namespace Pipeline.Face.Inversion;

/// <summary>
/// Whether a synthesised face carries its identity beyond the network that made it: the faces are
/// embedded by an independently trained model, which had no part in the optimisation, and compared
/// with that model's own view of the target.
/// </summary>
public static class InversionCheck
{
    /// <summary>Closed set: each face's cosine to the checking model's own class center(s) of the identity (its best sub-center), and the identity's rank among all the checking model's classes for that face (1 = recognised).</summary>
    public static CheckedFace[] ToIdentity(FaceModel checker, InversionResult result, string identity) =>
        ToIdentity(checker, result.Pixels, result.Batch, result.Size, identity);

    /// <summary>The same for any faces (RGB bytes, count x size x size x 3): real photos of the identity give the figure to compare with.</summary>
    public static CheckedFace[] ToIdentity(FaceModel checker, byte[] rgb, int count, int size, string identity)
    {
        int label = checker.Info.Identities.ToList().IndexOf(identity);
        if (label < 0) throw new ArgumentException($"the check model does not know identity '{identity}' (it has {checker.Info.Identities.Count} classes)");
        int d = checker.Info.Backbone.EmbeddingSize, k = checker.Info.SubCenters;
        var centers = TorchRuntime.OnOwnThread(() =>
        {
            using var all = checker.Head.NormalisedSubCenters();
            return all.contiguous().data<float>().ToArray(); // classes x K x d
        });
        var embeddings = Embed(checker, rgb, count, size);
        var faces = new CheckedFace[count];
        for (int i = 0; i < count; i++)
        {
            var scores = Enumerable.Range(0, checker.Info.Identities.Count)
                .Select(c => Best(embeddings.AsSpan(i * d, d), centers.AsSpan(c * k * d, k * d), d)).ToArray();
            faces[i] = new CheckedFace(scores[label], 1 + scores.Count(v => v > scores[label]));
        }
        return faces;
    }

    /// <summary>Open set: each face's cosine to the checking model's own embedding of the target (e.g. of the photo the target embedding came from).</summary>
    public static double[] ToEmbedding(FaceModel checker, InversionResult result, float[] checkerTarget)
    {
        int d = checker.Info.Backbone.EmbeddingSize;
        var embeddings = Embed(checker, result.Pixels, result.Batch, result.Size);
        return Enumerable.Range(0, result.Batch).Select(i => Best(embeddings.AsSpan(i * d, d), checkerTarget, d)).ToArray();
    }

    private static float[] Embed(FaceModel checker, byte[] rgb, int count, int size)
    {
        using var set = new ImageSet(size, rgb, new int[count], Enumerable.Range(0, count).Select(i => $"face-{i}").ToArray(), ["checked"]);
        return new Embedder(checker).Embed(set);
    }

    /// <summary>The largest cosine of <paramref name="embedding"/> to any of the d-wide rows of <paramref name="targets"/>.</summary>
    private static double Best(ReadOnlySpan<float> embedding, ReadOnlySpan<float> targets, int d)
    {
        double best = double.NegativeInfinity;
        for (int j = 0; j < targets.Length / d; j++) best = Math.Max(best, TensorPrimitives.CosineSimilarity(embedding, targets.Slice(j * d, d)));
        return best;
    }
}

/// <summary>How an independently trained model sees one synthesised face: its cosine to the model's own center of the identity, and the identity's rank among the model's classes.</summary>
public sealed record CheckedFace(double Cosine, int Rank);
