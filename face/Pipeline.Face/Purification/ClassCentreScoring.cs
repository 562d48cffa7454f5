namespace Pipeline.Face.Purification;

/// <summary>
/// The class-centre scores' passes over a set's embeddings, chunk by chunk (<see cref="EmbeddingChunks"/>):
/// the class means, each sample's angles to them, and the within-class whitening those angles are
/// measured in by default. The Purifier's shards, the self-purifying stage and a whole set in memory
/// all go through here.
/// </summary>
public static class ClassCentreScoring
{
    /// <summary>
    /// Two passes: each class's mean of the (mapped) embeddings, then each sample's angle to its own class's
    /// mean and, with <paramref name="nearestOther"/>, to the nearest other class's (O(N x classes x dim); without
    /// it O(N x dim), what self-purification needs every epoch).
    /// </summary>
    public static async Task<ClassCenterAngles> AnglesAsync(EmbeddingChunks data, WithinClassWhitening? whitening = null,
        bool nearestOther = true, CancellationToken ct = default)
    {
        int dim = data.Dim;
        async ValueTask<float[]> Chunk(int c)
        {
            var embeddings = await data.LoadAsync(c, ct);
            return whitening is null ? embeddings : whitening.Apply(embeddings);
        }

        var means = new float[data.Classes * dim];
        for (int c = 0; c < data.Labels.Count; c++)
        {
            var embeddings = await Chunk(c);
            SubCenterPurifier.AddToClassSums(means, embeddings, dim, data.Labels[c]);
        }
        SubCenterPurifier.Normalise(means, dim);

        List<double> own = [], other = [];
        List<int> otherClass = [];
        for (int c = 0; c < data.Labels.Count; c++)
        {
            var embeddings = await Chunk(c);
            if (!nearestOther)
            {
                own.AddRange(SubCenterPurifier.AnglesToClassCenters(embeddings, dim, data.Labels[c], means));
                continue;
            }
            var angles = SubCenterPurifier.AnglesToCenters(embeddings, dim, data.Labels[c], means);
            own.AddRange(angles.Own);
            other.AddRange(angles.NearestOther);
            otherClass.AddRange(angles.NearestOtherClass);
        }
        var result = new ClassCenterAngles(own, other, otherClass);
        // The noise estimate is measured on the angles as they are (WhitenedAsync keeps the first pass's).
        return nearestOther && whitening is null
            ? result with { ConfidentNoise = ConfidentJoint.NoiseShare(result, data.Labels.SelectMany(l => l).ToArray(), data.Classes) }
            : result;
    }

    /// <summary>
    /// The angles in the within-class-whitened space: a first pass measures them as they are, its automatic
    /// threshold on <paramref name="score"/> says which samples look clean, the whitening is fitted to those,
    /// and a second pass measures every sample again through it. The first pass's angles come back when
    /// there is nothing to fit (<see cref="WithinClassWhitening.FitAsync"/> is null). The noise estimate
    /// (<see cref="ClassCenterAngles.ConfidentNoise"/>) is the first pass's: whitening fitted on the samples that
    /// look clean would make the noisy ones look confident too.
    /// </summary>
    public static async Task<ClassCenterAngles> WhitenedAsync(EmbeddingChunks data, Func<ClassCenterAngles, IReadOnlyList<double>> score,
        bool skewedClean, bool nearestOther = true, CancellationToken ct = default)
    {
        var raw = await AnglesAsync(data, null, nearestOther, ct);
        var scores = score(raw);
        var first = AngleThreshold.Choose(scores, skewedClean, raw.ConfidentNoise);
        var whitening = await WithinClassWhitening.FitAsync(data, i => scores[i] < first.Degrees, ct: ct);
        if (whitening is null) return raw;
        var white = await AnglesAsync(data, whitening, nearestOther, ct);
        return white with
        {
            ConfidentNoise = raw.ConfidentNoise,
            Whitening = new WhiteningSummary(whitening.FittedOn, Math.Round(first.Degrees, 3), whitening.Shrinkage) { FirstPassMethod = first.Method },
        };
    }

    /// <summary>The angles a class-centre rule scores: whitened unless <see cref="DropRule.Whitened"/> is off.</summary>
    public static Task<ClassCenterAngles> ForRuleAsync(EmbeddingChunks data, DropRule rule, CancellationToken ct = default)
    {
        if (rule.Score == DropScore.DominantSubCenter) throw new ArgumentException("the dominant sub-center rule needs no class means");
        // The first pass's threshold is the one the unwhitened score would use on its own (a split-normal clean mode for the margin).
        return rule.Whitened
            ? WhitenedAsync(data, a => a.Scores(rule.Score), skewedClean: rule.Score == DropScore.ClassMargin, ct: ct)
            : AnglesAsync(data, ct: ct);
    }
}

/// <summary>How the class-centre angles were whitened: samples the scatter came from, the first pass's threshold that chose them, the shrinkage.</summary>
public sealed record WhiteningSummary(long FittedOn, double FirstPassThreshold, double Shrinkage)
{
    /// <summary>How the first pass's threshold was reached (<see cref="ThresholdChoice.Method"/>); null from reports before it was kept.</summary>
    public string? FirstPassMethod { get; init; }

    /// <summary>
    /// Whether the first pass had one mode and was cut at the estimated noise rate: the whitening was then fitted to the
    /// samples under that cut, and two modes after it are partly of its own making.
    /// </summary>
    public bool FittedUnderEstimate => FirstPassMethod?.StartsWith($"{AngleThreshold.SingleModePrefix}; {AngleThreshold.EstimateCutPrefix}", StringComparison.Ordinal) == true;
}
