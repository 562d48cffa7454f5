namespace Pipeline.Face.Purification;

/// <summary>
/// The class-center scores' passes over a set's embeddings, chunk by chunk (<see cref="EmbeddingChunks"/>):
/// the class means, each sample's angles to them, and the within-class whitening those angles are
/// measured in by default. The Purifier's shards, the self-purifying stage and a whole set in memory
/// all go through here.
/// </summary>
public static class ClassCenterScoring
{
    /// <summary>
    /// Two passes: each class's mean of the (mapped) embeddings, then each sample's angle to its own class's
    /// mean and, with <paramref name="nearestOther"/>, to the nearest other class's (O(N x classes x dim); without
    /// it O(N x dim), what self-purification needs every epoch).
    /// </summary>
    public static ClassCenterAngles Angles(EmbeddingChunks data, WithinClassWhitening? whitening = null,
        bool nearestOther = true, CancellationToken ct = default)
    {
        int dim = data.Dim;
        float[] Chunk(int c)
        {
            ct.ThrowIfCancellationRequested();
            var embeddings = data.Load(c);
            return whitening is null ? embeddings : whitening.Apply(embeddings);
        }

        var means = new float[data.Classes * dim];
        for (int c = 0; c < data.Labels.Count; c++)
            EmbeddingAngles.AddToClassSums(means, Chunk(c), dim, data.Labels[c]);
        EmbeddingAngles.Normalise(means, dim);

        List<double> own = [], other = [];
        List<int> otherClass = [];
        for (int c = 0; c < data.Labels.Count; c++)
        {
            var embeddings = Chunk(c);
            if (!nearestOther)
            {
                own.AddRange(EmbeddingAngles.AnglesToClassCenters(embeddings, dim, data.Labels[c], means));
                continue;
            }
            var angles = EmbeddingAngles.AnglesToCenters(embeddings, dim, data.Labels[c], means);
            own.AddRange(angles.Own);
            other.AddRange(angles.NearestOther);
            otherClass.AddRange(angles.NearestOtherClass);
        }
        var result = new ClassCenterAngles(own, other, otherClass);
        // The noise estimate is measured on the angles as they are (Whitened keeps the first pass's).
        return nearestOther && whitening is null
            ? result with { ConfidentNoise = ConfidentJoint.NoiseShare(result, data.AllLabels(), data.Classes) }
            : result;
    }

    /// <summary>
    /// The angles in the within-class-whitened space: a first pass measures them as they are, its automatic
    /// threshold on <paramref name="score"/> says which samples look clean, the whitening is fitted to those,
    /// and a second pass measures every sample again through it. The first pass's angles come back when
    /// there is nothing to fit (<see cref="WithinClassWhitening.Fit"/> is null). The noise estimate
    /// (<see cref="ClassCenterAngles.ConfidentNoise"/>) is the first pass's: whitening fitted on the samples that
    /// look clean would make the noisy ones look confident too.
    /// </summary>
    public static ClassCenterAngles Whitened(EmbeddingChunks data, Func<ClassCenterAngles, IReadOnlyList<double>> score,
        bool skewedClean, bool nearestOther = true, CancellationToken ct = default)
    {
        var raw = Angles(data, null, nearestOther, ct);
        var scores = score(raw);
        var first = ScoreThreshold.Choose(scores, skewedClean, raw.ConfidentNoise);
        var whitening = WithinClassWhitening.Fit(data, i => scores[i] < first.Value, ct: ct);
        if (whitening is null) return raw;
        var white = Angles(data, whitening, nearestOther, ct);
        return white with
        {
            ConfidentNoise = raw.ConfidentNoise,
            Whitening = new WhiteningSummary(whitening.FittedOn, Math.Round(first.Value, 3), whitening.Shrinkage) { FirstPassMethod = first.Method },
        };
    }
}

/// <summary>
/// Each sample's angle (degrees) to its own class's center, to the nearest other class's center, and that class (-1: none);
/// the last two are empty when only the own angles were measured.
/// </summary>
public sealed record ClassCenterAngles(IReadOnlyList<double> Own, IReadOnlyList<double> NearestOther, IReadOnlyList<int> NearestOtherClass)
{
    /// <summary>Set when the angles were measured in the within-class-whitened space (<see cref="ClassCenterScoring.Whitened"/>).</summary>
    public WhiteningSummary? Whitening { get; init; }

    /// <summary>The share of the set estimated to be noise by <see cref="ConfidentJoint"/>, or null when not measured.</summary>
    public double? ConfidentNoise { get; init; }

    /// <summary>The class-margin score (<see cref="ClassMarginScore"/>): own angle less the nearest other's, plus 90 (under 90: the own class is the nearest).</summary>
    public double ClassMargin(int i) => Own[i] - NearestOther[i] + 90;
}

/// <summary>How the class-center angles were whitened: samples the scatter came from, the first pass's threshold that chose them, the shrinkage.</summary>
public sealed record WhiteningSummary(long FittedOn, double FirstPassThreshold, double Shrinkage)
{
    /// <summary>How the first pass's threshold was reached (<see cref="ThresholdChoice.Method"/>); null from reports before it was kept.</summary>
    public string? FirstPassMethod { get; init; }

    /// <summary>
    /// Whether the first pass had one mode and was cut at the estimated noise rate: the whitening was then fitted to the
    /// samples under that cut, and two modes after it are partly of its own making.
    /// </summary>
    public bool FittedUnderEstimate => FirstPassMethod?.StartsWith($"{ScoreThreshold.SingleModePrefix}; {ScoreThreshold.EstimateCutPrefix}", StringComparison.Ordinal) == true;
}
