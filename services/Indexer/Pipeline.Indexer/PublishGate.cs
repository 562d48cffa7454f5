using System.Numerics.Tensors;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// What a run's collection must show before the search alias serves it: at least two identities (with one,
/// every query answers that identity and training's loss 0 / accuracy 100 % mean nothing), finite templates,
/// and identity templates that point different ways (a collapsed model maps every face to one direction).
/// </summary>
public static class PublishGate
{
    public const int MinIdentities = 2;

    /// <summary>Mean cosine between identity templates above which the model counts as collapsed.</summary>
    public const double CollapsedMeanCosine = 0.9;

    /// <summary>Templates compared pairwise at most (an even sample of them): enough to see a collapse, bounded work.</summary>
    private const int MaxCompared = 256;

    /// <summary>Why the templates may not be served, or null when they may.</summary>
    public static string? Problem(IReadOnlyList<FacePoint> templates)
    {
        if (templates.Count < MinIdentities)
            return $"{templates.Count} identit{(templates.Count == 1 ? "y" : "ies")} indexed; search needs at least {MinIdentities}";
        var units = new List<float[]>();
        int step = Math.Max(1, templates.Count / MaxCompared);
        for (int i = 0; i < templates.Count && units.Count < MaxCompared; i += step)
        {
            var v = templates[i].Vector;
            if (!TensorPrimitives.IsFiniteAll(v)) return $"identity '{templates[i].Id}': its template is not finite (the model diverged)";
            float norm = TensorPrimitives.Norm(v);
            if (norm == 0) return $"identity '{templates[i].Id}': its template is zero";
            var u = new float[v.Length];
            TensorPrimitives.Divide(v, norm, u);
            units.Add(u);
        }
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < units.Count; i++)
            for (int j = i + 1; j < units.Count; j++, pairs++)
                sum += TensorPrimitives.Dot(units[i], units[j]);
        double mean = sum / pairs;
        return mean > CollapsedMeanCosine
            ? $"the model collapsed: identity templates have a mean cosine of {mean:F3} to each other (more than {CollapsedMeanCosine})"
            : null;
    }
}
