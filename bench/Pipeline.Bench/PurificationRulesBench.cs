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
        string model = BenchArgs.Required(args, "--model"), data = BenchArgs.Required(args, "--data"), truthPath = BenchArgs.Required(args, "--truth");
        var dump = BenchArgs.Text(args, "--dump");
        if (dump is not null) Directory.CreateDirectory(dump);
        using var face = FaceModel.Load(model);
        var set = DatasetLoader.Load(data);
        var truth = TruthTable.Load(truthPath);
        var noisy = set.Paths.Select(p => truth[p].IsNoisy).ToArray();
        var kind = set.Paths.Select(p => truth[p].Noise).ToArray();
        int dim = face.Info.Backbone.EmbeddingSize, n = set.Count, classes = set.ClassCount;
        var (emb, paper) = EmbedAndDecide(face, set);
        var paperAngles = paper.Samples.Select(s => s.Score).ToArray();
        Report("dominant sub-center (paper)", paperAngles, noisy, kind, dump);

        // Class mean of embeddings (the library's ClassMeanScore).
        Report("class mean embedding", EmbeddingAngles.ClassMeanAngles(emb, dim, set.Labels, classes), noisy, kind, dump);

        // Mean of samples nearest the dominant sub-center.
        var domMean = EmbeddingAngles.ClassMeans(emb, dim, set.Labels, classes, i => paper.Samples[i].Subcenter == paper.Samples[i].DominantSubcenter);
        Report("mean of dominant members", EmbeddingAngles.AnglesToClassCenters(emb, dim, set.Labels, domMean), noisy, kind, dump);

        // Iterative: mean of the samples under the automatic threshold, from the dominant sub-center.
        var angles = paperAngles;
        float[] centers = [];
        for (int it = 0; it < 5; it++)
        {
            double t = ScoreThreshold.Choose(angles).Value;
            var a = angles;
            var next = EmbeddingAngles.ClassMeans(emb, dim, set.Labels, classes, i => a[i] < t);
            angles = EmbeddingAngles.AnglesToClassCenters(emb, dim, set.Labels, next);
            centers = next;
            Report($"kept-mean iteration {it + 1}", angles, noisy, kind, dump);
        }

        // Class margin against the nearest other class center (closed-set noise belongs to another class).
        var toCenters = EmbeddingAngles.AnglesToCenters(emb, dim, set.Labels, centers);
        var margin = Enumerable.Range(0, n).Select(toCenters.ClassMargin).ToArray();
        Report("own - nearest other (+90)", margin, noisy, kind, dump, skewedClean: true);
        return Task.FromResult(0);
    }

    /// <summary>Every sample's embedding and the paper's decisions (automatic threshold) with a sub-center model.</summary>
    internal static (float[] Embeddings, PurificationReport Paper) EmbedAndDecide(FaceModel model, ImageSet set)
    {
        var emb = new Embedder(model).Embed(set);
        using var centers = model.Head.NormalisedSubCenters();
        var cos = EmbeddingAngles.OwnClassCosines(emb, model.Info.Backbone.EmbeddingSize, set.Labels, centers.contiguous().data<float>().ToArray(), model.Info.SubCenters);
        return (emb, SubCenterPurifier.Decide(ScoringInput.Of(cos, model.Info.SubCenters, set.Labels, set.Identities), set.Paths, DropRule.Auto));
    }

    /// <param name="dump">A folder to write the scores to (score,noisy per line), or null.</param>
    /// <param name="skewedClean">Fit the clean mode as a split normal, as the Purifier does for the class margin.</param>
    /// <param name="posterior">The noisy mode's posterior the automatic threshold is moved to (<see cref="ScoreThreshold.AtPosterior"/>).</param>
    internal static void Report(string name, double[] score, bool[] noisy, NoiseKind[] kind, string? dump = null, bool skewedClean = false,
        double posterior = ScoreThreshold.CrossingPosterior)
    {
        if (dump is not null)
            File.WriteAllLines(Path.Combine(dump, string.Concat(name.Where(char.IsLetterOrDigit)) + ".csv"),
                score.Select((v, i) => $"{v:F3},{(noisy[i] ? 1 : 0)}"));
        var t = ScoreThreshold.AtPosterior(ScoreThreshold.Choose(score, skewedClean), posterior);
        int tp = 0, fp = 0, nz = noisy.Count(x => x), clean = noisy.Length - nz, closedTp = 0, openTp = 0;
        int closed = kind.Count(x => x == NoiseKind.Closed), open = kind.Count(x => x == NoiseKind.Open);
        for (int i = 0; i < score.Length; i++)
        {
            if (score[i] < t.Value) continue;
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
        Console.WriteLine($"{name,-30} AUC {auc:F3}  T {t.Value,6:F1} ({t.Method}; N({t.CleanMean:F1},{t.CleanStd:F1}{(t.CleanStdRight is { } right ? $"/{right:F1}" : "")}) N({t.NoisyMean:F1},{t.NoisyStd:F1}) w1 {t.NoisyWeight:F2} D {t.Separation:F2})  P {(tp + fp == 0 ? 1 : (double)tp / (tp + fp)):F3}  R {(double)tp / nz:F3}  " +
            $"kept {(double)(clean - fp) / clean:F3}  closed R {(double)closedTp / Math.Max(1, closed):F3} open R {(double)openTp / Math.Max(1, open):F3}  P@R.9 {bestP:F3}");
    }
}
