namespace Pipeline.Face.Purification;

/// <summary>
/// The paper's automatic cleaning (section 3.4), in three steps: the rule's <see cref="DropScore"/> scores every sample,
/// the rule's threshold is fixed or fitted to those scores (<see cref="DropRule.Fit"/>), and each sample is kept only if
/// its score is under it. With a sub-center model, each sample goes to its nearest sub-center among its class's K; the
/// sub-center with the most samples is the class's dominant one (<see cref="SubCenterAssignment"/>); every decision
/// says both. Pure arithmetic on normalised embeddings and centers: no model, no I/O.
/// </summary>
public static class SubCenterPurifier
{
    /// <summary>A whole set in memory.</summary>
    /// <param name="embeddings">N x dim, L2-normalised.</param>
    /// <param name="subCenters">classes x K x dim, L2-normalised.</param>
    public static PurificationReport Decide(float[] embeddings, int dim, IReadOnlyList<int> labels, ReadOnlySpan<float> subCenters, int k,
        IReadOnlyList<string> paths, IReadOnlyList<string> identities, DropRule rule, CancellationToken ct = default)
    {
        if (subCenters.Length != identities.Count * k * dim) throw new ArgumentException("sub-centers must be classes x K x dim");
        var cosines = EmbeddingAngles.OwnClassCosines(embeddings, dim, labels, subCenters, k);
        var chunks = rule.Score.NeedsEveryEmbedding ? EmbeddingChunks.InMemory(embeddings, dim, labels, identities.Count) : null;
        return Decide(ScoringInput.Of(cosines, k, labels, identities, chunks), paths, rule, ct);
    }

    /// <summary>Score, threshold, decisions.</summary>
    public static PurificationReport Decide(ScoringInput input, IReadOnlyList<string> paths, DropRule rule, CancellationToken ct = default) =>
        Decide(rule.Score.Score(input, rule.Whitened, ct), input, paths, rule);

    /// <summary>Threshold and decisions, on scores already measured.</summary>
    public static PurificationReport Decide(SampleScores scores, ScoringInput input, IReadOnlyList<string> paths, DropRule rule)
    {
        var (labels, identities, subCenters) = (input.Labels, input.Identities, input.SubCenters);
        int n = labels.Count;
        if (scores.Values.Count != n || paths.Count != n) throw new ArgumentException($"{n} samples: expected as many scores and paths");
        var fit = rule.Fit(scores);
        double threshold = fit?.Value ?? rule.FixedThreshold;

        var decisions = new SampleDecision[n];
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            int c = labels[i], nearest = subCenters.Nearest[i], dominant = subCenters.Dominant[c];
            double score = scores.Values[i];
            bool keep = score < threshold;
            string where = nearest == dominant ? "nearest to the dominant sub-center" : $"nearest to non-dominant sub-center {nearest}";
            string reason = $"{scores.Describe(i)}, {(keep ? "under" : "not under")} {threshold:F1} ({where})";
            decisions[i] = new SampleDecision(paths[i], identities[c], keep ? PurificationReport.KeepDecision : PurificationReport.DropDecision,
                reason, Math.Round(score, 3), nearest, dominant);
            if (keep) kept++;
        }
        return new PurificationReport(rule.Kind, threshold, fit, kept, n - kept, decisions, rule.Score.Name)
        {
            Whitening = scores.Whitening,
            Warning = fit is null ? null : ThresholdWarning.For(fit, n - kept, n, scores.Whitening),
        };
    }
}
