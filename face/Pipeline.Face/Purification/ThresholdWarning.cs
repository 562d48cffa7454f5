namespace Pipeline.Face.Purification;

/// <summary>
/// When the automatic threshold's evidence for its cut is weak, the purification still completes but says so: a
/// cleaning run that silently keeps its noise is worse than one that says it cannot tell (bench/experiments/threshold-warning.md).
/// </summary>
public static class ThresholdWarning
{
    public const string Prefix = "the score does not separate noise on this data: ";

    /// <summary>Above this share dropped, the "noisy" mode may as well be part of the clean one the mixture split in two (bench/experiments/threshold-warning.md).</summary>
    public const double MostDropped = 0.5;

    /// <summary>
    /// The warning for an automatic <paramref name="choice"/> that dropped <paramref name="dropped"/> of <paramref name="total"/>
    /// samples, or null when the cut stands on its evidence: one mode while the score's boundary says at least
    /// <see cref="AngleThreshold.MinNoiseEvidence"/> of the set is noise; two modes that dropped under half that share;
    /// or more than half the set dropped.
    /// </summary>
    /// <param name="whitening">How the scores were whitened: a first pass of one mode cut at the boundary warns whatever the whitened scores look like.</param>
    public static string? For(ThresholdChoice choice, int dropped, int total, WhiteningSummary? whitening = null)
    {
        if (total == 0) return null;
        double share = (double)dropped / total;
        string cut = $"dropped {dropped} of {total} ({share:P0}) at {choice.Degrees:0.#} ({choice.Method})";
        if (whitening is { FittedUnderBoundary: true, FirstPassNoiseShare: { } before } && !choice.SingleMode)
            return Prefix + $"before whitening the scores formed one mode although {before:P0} of the samples were nearer another class's centre "
                + $"than their own; the whitening was fitted to the samples under the boundary, so the two modes after it (Ashman's D {choice.Separation:0.0}) "
                + $"are partly its own making; {cut}. Check the report's decisions, train longer or give the model more data";
        if (choice.EstimatedNoise is { } noise && noise >= AngleThreshold.MinNoiseEvidence)
        {
            string evidence = $"{noise:P0} of the samples are nearer another class's centre than their own";
            if (choice.SingleMode)
                return Prefix + $"the scores form one mode (Ashman's D {choice.Separation:0.0}, under 2) although {evidence}; {cut}. "
                    + "A model that fitted the noisy labels (many epochs for little data) or one that does not yet tell the identities apart "
                    + "both look like this: check the report's decisions";
            if (share < noise / 2)
                return Prefix + $"{evidence}, but the two modes' crossing {cut}";
        }
        if (share > MostDropped)
            return Prefix + $"{cut}: a noisy mode holding more than half the set means the noise is the majority or the clean mode was split in two, "
                + "and the mixture cannot tell which";
        return null;
    }
}
