using Pipeline.Contracts;
using Pipeline.Face.Purification;

namespace Pipeline.Purifier;

/// <summary>A purification report's scores as the histogram <see cref="DatasetPurified"/> carries to the dashboard.</summary>
public static class ScoreDistributions
{
    /// <summary>Most bins a histogram has: whole score units up to this many, wider bins beyond, so an event stays small.</summary>
    public const int MaxBins = 120;

    public static ScoreDistribution Of(PurificationReport report)
    {
        var samples = report.Samples;
        string method = report.ThresholdFit?.Method ?? $"fixed threshold {report.Threshold:0.#}";
        if (samples.Count == 0) return new ScoreDistribution(report.Score, report.Whitening is not null, 0, 1, [], [], method);
        double min = samples.Min(s => s.Score), max = samples.Max(s => s.Score);
        double width = Math.Max(1, Math.Ceiling((max - min + 1) / MaxBins));
        double from = Math.Floor(min / width) * width;
        int bins = (int)Math.Floor((max - from) / width) + 1;
        var kept = new int[bins];
        var dropped = new int[bins];
        foreach (var s in samples)
        {
            int b = Math.Min(bins - 1, (int)((s.Score - from) / width));
            if (s.Keep) kept[b]++; else dropped[b]++;
        }
        return new ScoreDistribution(report.Score, report.Whitening is not null, from, width, kept, dropped, method);
    }
}
