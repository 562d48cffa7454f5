using System.Numerics.Tensors;
using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using Pipeline.Face.Purification;

namespace Pipeline.Bench;

/// <summary>
/// How well candidate drop scores separate noise, on a trained sub-center model and the synthetic
/// set it was trained on (scored with truth.csv): AUC, and precision / recall / clean kept at the
/// automatic threshold. Usage: purify-rules --model DIR --data PACKED_DIR --truth truth.csv
/// </summary>
public sealed class PurificationRulesBench : IBenchmark
{
    public string Name => "purify-rules";
    public string Description => "AUC and P/R of drop scores (dominant sub-center, class centers) against truth.csv";

    public Task<int> RunAsync(string[] args)
    {
        string model = Arg(args, "--model"), data = Arg(args, "--data"), truthPath = Arg(args, "--truth");
        int d = Array.IndexOf(args, "--dump");
        _dump = d >= 0 ? args[d + 1] : null;
        if (_dump is not null) Directory.CreateDirectory(_dump);
        using var face = FaceModel.Load(model);
        var set = DatasetLoader.Load(data);
        var truth = TruthTable.Load(truthPath);
        var noisy = set.Paths.Select(p => truth[p].IsNoisy).ToArray();
        var kind = set.Paths.Select(p => truth[p].Noise).ToArray();
        int dim = face.Info.Backbone.EmbeddingSize, k = face.Info.SubCenters, n = set.Count, classes = set.ClassCount;
        var emb = new Embedder(face).Embed(set);
        using var centersT = face.Head.NormalisedSubCenters();
        var sub = centersT.contiguous().data<float>().ToArray();

        var cos = SubCenterPurifier.OwnClassCosines(emb, dim, set.Labels, sub, k);
        var paper = SubCenterPurifier.Decide(cos, k, set.Labels, set.Paths, set.Identities, DropRule.Auto);
        var paperAngles = paper.Samples.Select(s => s.Angle).ToArray();
        Report("dominant sub-center (paper)", paperAngles, noisy, kind);

        // Class mean of embeddings (the library's DropScore.ClassMean).
        Report("class mean embedding", SubCenterPurifier.ClassMeanAngles(emb, dim, set.Labels, classes), noisy, kind);

        // Mean of samples nearest the dominant sub-center.
        var domMean = SubCenterPurifier.ClassMeans(emb, dim, set.Labels, classes, i => paper.Samples[i].Subcenter == paper.Samples[i].DominantSubcenter);
        Report("mean of dominant members", SubCenterPurifier.AnglesToClassCenters(emb, dim, set.Labels, domMean), noisy, kind);

        // Iterative: mean of the samples under the automatic threshold, from the dominant sub-center.
        var angles = paperAngles;
        float[] centers = sub;
        for (int it = 0; it < 5; it++)
        {
            double t = AngleThreshold.Choose(angles).Degrees;
            var a = angles;
            var next = SubCenterPurifier.ClassMeans(emb, dim, set.Labels, classes, i => a[i] < t);
            angles = SubCenterPurifier.AnglesToClassCenters(emb, dim, set.Labels, next);
            centers = next;
            Report($"kept-mean iteration {it + 1}", angles, noisy, kind);
        }

        // Margin against the nearest other class centre (closed-set noise belongs to another class).
        var margin = new double[n];
        for (int i = 0; i < n; i++)
        {
            double best = double.MaxValue;
            for (int c = 0; c < classes; c++)
            {
                if (c == set.Labels[i]) continue;
                double ang = SubCenterPurifier.AngleDegrees(TensorPrimitives.Dot(emb.AsSpan(i * dim, dim), centers.AsSpan(c * dim, dim)));
                best = Math.Min(best, ang);
            }
            margin[i] = angles[i] - best + 90;
        }
        Report("own - nearest other (+90)", margin, noisy, kind);
        return Task.FromResult(0);
    }

    private static string? _dump;

    internal static void Report(string name, double[] score, bool[] noisy, NoiseKind[] kind)
    {
        if (_dump is not null)
            File.WriteAllLines(Path.Combine(_dump, string.Concat(name.Where(char.IsLetterOrDigit)) + ".csv"),
                score.Select((v, i) => $"{v:F3},{(noisy[i] ? 1 : 0)}"));
        var t = AngleThreshold.Choose(score);
        int tp = 0, fp = 0, nz = noisy.Count(x => x), clean = noisy.Length - nz, closedTp = 0, openTp = 0;
        int closed = kind.Count(x => x == NoiseKind.Closed), open = kind.Count(x => x == NoiseKind.Open);
        for (int i = 0; i < score.Length; i++)
        {
            if (score[i] < t.Degrees) continue;
            if (noisy[i]) { tp++; if (kind[i] == NoiseKind.Closed) closedTp++; if (kind[i] == NoiseKind.Open) openTp++; }
            else fp++;
        }
        // AUC: P(noisy score > clean score), ties half.
        var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
        double rankSum = 0;
        for (int r = 0; r < order.Length; r++) if (noisy[order[r]]) rankSum += r + 1;
        double auc = (rankSum - nz * (nz + 1) / 2.0) / ((double)nz * clean);
        // Best precision at recall >= 0.9.
        var desc = order.Reverse().ToArray();
        int dtp = 0; double bestP = 0;
        for (int r = 0; r < desc.Length; r++)
        {
            if (noisy[desc[r]]) dtp++;
            if (dtp >= 0.9 * nz) { bestP = (double)dtp / (r + 1); break; }
        }
        Console.WriteLine($"{name,-30} AUC {auc:F3}  T {t.Degrees,6:F1} ({t.Method})  P {(tp + fp == 0 ? 1 : (double)tp / (tp + fp)):F3}  R {(double)tp / nz:F3}  " +
            $"kept {(double)(clean - fp) / clean:F3}  closed R {(double)closedTp / Math.Max(1, closed):F3} open R {(double)openTp / Math.Max(1, open):F3}  P@R.9 {bestP:F3}");
    }

    private static string Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} is required");
    }
}
