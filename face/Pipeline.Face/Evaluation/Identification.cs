namespace Pipeline.Face.Evaluation;

/// <summary>
/// Closed-set 1:N identification: each probe's nearest gallery sample (cosine) must carry the
/// probe's identity. Leave-one-out over one labelled set: every sample is a probe against all
/// others, counted only when its identity has another sample to find.
/// </summary>
public static class Identification
{
    public static double Rank1LeaveOneOut(float[] embeddings, int dim, IReadOnlyList<int> labels)
    {
        int n = labels.Count;
        var perClass = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        int probes = 0, hits = 0;
        Parallel.For(0, n, () => (probes: 0, hits: 0), (i, _, acc) =>
        {
            if (perClass[labels[i]] < 2) return acc;
            var q = embeddings.AsSpan(i * dim, dim);
            double best = double.NegativeInfinity; int bestJ = -1;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double s = System.Numerics.Tensors.TensorPrimitives.Dot(q, embeddings.AsSpan(j * dim, dim));
                if (s > best) { best = s; bestJ = j; }
            }
            return (acc.probes + 1, acc.hits + (labels[bestJ] == labels[i] ? 1 : 0));
        }, acc => { Interlocked.Add(ref probes, acc.probes); Interlocked.Add(ref hits, acc.hits); });
        return probes == 0 ? double.NaN : (double)hits / probes;
    }
}
