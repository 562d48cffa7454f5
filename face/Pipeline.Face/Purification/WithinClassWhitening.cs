using TorchSharp;

namespace Pipeline.Face.Purification;

/// <summary>
/// Within-class covariance normalisation (WCCN; Hatch, Kajarekar and Stolcke 2006, a standard back-end
/// of speaker and face verification): a linear map of the embeddings that makes the scatter of samples
/// around their own class mean the same in every direction. Directions in which one identity's images
/// vary (pose, hats, glasses, blur) shrink; directions that tell identities apart stretch. Angles to
/// class means measured after it separate label noise better (docs/METHOD.md#within-class-whitening).
///
/// The scatter is estimated from the samples a first, unwhitened pass keeps (noise would teach it that
/// identities vary toward other identities) and shrunk toward a multiple of the identity
/// (<see cref="DefaultShrinkage"/> of its mean variance), so it stays well conditioned with fewer
/// samples than dimensions. Sw = (sum of x x^T - sum over classes of s_c s_c^T / n_c) / n is accumulated
/// in one pass over chunks (s_c: the class's sum, n_c: its count); the map is V diag(1/sqrt(lambda))
/// from Sw's eigen-decomposition, and embeddings are L2-normalised again after it.
/// </summary>
public sealed class WithinClassWhitening
{
    /// <summary>Weight of the identity in the shrunk scatter, relative to the scatter's mean variance.</summary>
    public const double DefaultShrinkage = 0.1;

    private readonly float[] _map; // dim x dim, row-major: y = x * map

    private WithinClassWhitening(int dim, float[] map, long fittedOn, double shrinkage)
    {
        Dim = dim;
        _map = map;
        FittedOn = fittedOn;
        Shrinkage = shrinkage;
    }

    public int Dim { get; }

    /// <summary>How many samples the scatter was estimated from.</summary>
    public long FittedOn { get; }

    public double Shrinkage { get; }

    /// <summary>
    /// Fits the map to the samples <paramref name="include"/> takes (by index over all chunks, in order).
    /// Null when fewer than two samples are taken, or they do not vary: nothing to normalise.
    /// </summary>
    public static WithinClassWhitening? Fit(EmbeddingChunks data, Func<int, bool> include,
        double shrinkage = DefaultShrinkage, CancellationToken ct = default)
    {
        if (shrinkage <= 0) throw new ArgumentOutOfRangeException(nameof(shrinkage), "the shrinkage must be positive");
        int dim = data.Dim;
        var scatter = new double[dim * dim];
        var sums = new double[data.Classes * dim];
        var counts = new long[data.Classes];
        long n = 0;
        int offset = 0;
        for (int c = 0; c < data.Labels.Count; c++)
        {
            var labels = data.Labels[c];
            ct.ThrowIfCancellationRequested();
            var embeddings = data.Load(c);
            var taken = Enumerable.Range(0, labels.Count).Where(i => include(offset + i)).ToArray();
            offset += labels.Count;
            if (taken.Length == 0) continue;
            var rows = new float[taken.Length * dim];
            for (int t = 0; t < taken.Length; t++)
            {
                int i = taken[t];
                embeddings.AsSpan(i * dim, dim).CopyTo(rows.AsSpan(t * dim, dim));
                var sum = sums.AsSpan(labels[i] * dim, dim);
                for (int d = 0; d < dim; d++) sum[d] += embeddings[i * dim + d];
                counts[labels[i]]++;
            }
            n += taken.Length;
            var moment = TorchRuntime.OnOwnThread(() =>
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var x = torch.tensor(rows, [taken.Length, dim]).to(torch.float64);
                return x.t().mm(x).data<double>().ToArray();
            });
            for (int k = 0; k < moment.Length; k++) scatter[k] += moment[k];
        }
        if (n < 2) return null;

        var map = TorchRuntime.OnOwnThread(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            // Sum over classes of s_c s_c^T / n_c = M^T M with M's rows s_c / sqrt(n_c).
            var scale = counts.Select(k => k > 0 ? 1 / Math.Sqrt(k) : 0).ToArray();
            var m = torch.tensor(sums, [data.Classes, dim]) * torch.tensor(scale).unsqueeze(1);
            var within = (torch.tensor(scatter, [dim, dim]) - m.t().mm(m)) / n;
            double meanVariance = within.trace().item<double>() / dim;
            if (!(meanVariance > 0)) return null;
            within = (within + within.t()) / 2 + torch.eye(dim, dtype: torch.float64) * (shrinkage * meanVariance);
            var (values, vectors) = torch.linalg.eigh(within);
            return (vectors / values.sqrt().unsqueeze(0)).to(torch.float32).contiguous().data<float>().ToArray();
        });
        return map is null ? null : new WithinClassWhitening(dim, map, n, shrinkage);
    }

    /// <summary>N x dim embeddings mapped and L2-normalised again.</summary>
    public float[] Apply(float[] embeddings)
    {
        if (embeddings.Length % Dim != 0) throw new ArgumentException($"embeddings must be N x {Dim}");
        int n = embeddings.Length / Dim;
        if (n == 0) return [];
        return TorchRuntime.OnOwnThread(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var y = torch.tensor(embeddings, [n, Dim]).mm(torch.tensor(_map, [Dim, Dim]));
            y = y / y.norm(1, keepdim: true).clamp_min(1e-12f);
            return y.contiguous().data<float>().ToArray();
        });
    }
}
