namespace Pipeline.Face.Purification;

/// <summary>
/// When the automatic threshold's evidence for its cut is weak, the purification still completes but says so: a
/// cleaning run that silently keeps its noise is worse than one that says it cannot tell (bench/experiments/threshold-warning.md).
/// </summary>
public static class ThresholdWarning
{
    public const string Prefix = "the score does not separate noise on this data: ";

    /// <summary>Above this share dropped, the "noisy" mode may as well be part of the clean one the mixture split in two.</summary>
    public const double MostDropped = 0.5;

    /// <summary>
    /// The warning for an automatic <paramref name="choice"/> that dropped <paramref name="dropped"/> of <paramref name="total"/>
    /// samples, or null when the cut stands on its evidence. It warns when the cut follows the noise estimate alone (one
    /// mode, or two modes whose crossing disagreed with it: <see cref="ScoreThreshold.MaxEstimateRatio"/>); when the two
    /// modes appeared only after a whitening fitted under a cut at the estimate; or when more than half the set is dropped.
    /// </summary>
    /// <param name="whitening">How the scores were whitened, or null.</param>
    public static string? For(ThresholdChoice choice, int dropped, int total, WhiteningSummary? whitening = null)
    {
        if (total == 0) return null;
        double share = (double)dropped / total;
        string cut = $"dropped {dropped} of {total} ({share:P0}) at {choice.Value:0.#} ({choice.Method})";
        string Estimate(double noise) => $"the labels' own evidence (samples another class claims more confidently than their own) puts the noise at {noise:P0}";
        const string Check = "A model that fitted the noisy labels (many epochs for little data) or one that does not yet tell the identities apart "
            + "both look like this: check the report's decisions, train longer or give the model more data";

        if (whitening is { FittedUnderEstimate: true } && !choice.SingleMode)
            return Prefix + $"before whitening the scores formed one mode; the whitening was fitted to the samples under a cut at the estimated noise rate, "
                + $"so the two modes after it (Ashman's D {choice.Separation:0.0}) are partly its own making; {cut}. {Check}";
        if (choice.EstimatedNoise is { } noise)
        {
            if (choice.SingleMode && noise >= ScoreThreshold.MinEstimatedNoise)
                return Prefix + $"the scores form one mode (Ashman's D {choice.Separation:0.0}, under 2), so the cut follows the estimate: {Estimate(noise)}; {cut}. {Check}";
            if (choice.Method.StartsWith(ScoreThreshold.EstimateCutPrefix, StringComparison.Ordinal))
                return Prefix + $"the scores form two modes (Ashman's D {choice.Separation:0.0}) whose crossing disagrees with {Estimate(noise)}, "
                    + $"so the cut follows the estimate; {cut}. {Check}";
        }
        if (share > MostDropped)
            return Prefix + $"{cut}: a noisy mode holding more than half the set means the noise is the majority or the clean mode was split in two, "
                + "and the mixture cannot tell which";
        return null;
    }
}
