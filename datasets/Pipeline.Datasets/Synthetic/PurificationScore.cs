namespace Pipeline.Datasets;

/// <summary>
/// How well a drop decision matches the truth of a synthetic set: precision (dropped samples
/// that were noise), recall (noise that was dropped) and the share of clean samples kept.
/// Only scoring reads truth.csv; the pipeline never does.
/// </summary>
public sealed record PurificationScore(int Samples, int Noisy, int Dropped, int TruePositives, double Precision, double Recall, double CleanKept)
{
    public static PurificationScore Compute(IEnumerable<(string Path, bool Dropped)> decisions, TruthTable truth)
    {
        int n = 0, noisy = 0, dropped = 0, tp = 0, cleanKept = 0;
        foreach (var (path, drop) in decisions)
        {
            bool isNoisy = truth[path].IsNoisy;
            n++;
            if (isNoisy) noisy++;
            if (drop) dropped++;
            if (drop && isNoisy) tp++;
            if (!drop && !isNoisy) cleanKept++;
        }
        return new PurificationScore(n, noisy, dropped, tp,
            dropped == 0 ? 1.0 : (double)tp / dropped,
            noisy == 0 ? 1.0 : (double)tp / noisy,
            n - noisy == 0 ? 1.0 : (double)cleanKept / (n - noisy));
    }
}
