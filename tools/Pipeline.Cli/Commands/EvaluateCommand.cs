using System.CommandLine;
using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Embedding;
using Pipeline.Face.Evaluation;
using Pipeline.Face.Models;
using Pipeline.Interop;

namespace Pipeline.Cli.Commands;

public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.EmbeddingModel();
        var data = CommonOptions.Data("Image root the pairs refer to (<name>/<name>_0001.jpg, as LFW)");
        var pairs = new Option<string>("--pairs") { Description = "Pair list in LFW pairs.txt format (default: DATA/pairs.txt)" };
        var device = CommonOptions.Device();
        var json = CommonOptions.Json();
        var cmd = new Command("evaluate", "Verification accuracy (LFW 10-fold protocol), TAR@FAR and rank-1 of a model on a pair list");
        var align = CommonOptions.Align();
        foreach (var o in new Option[] { model, data, pairs, device, align, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(() =>
        {
            var dataDir = r.GetValue(data)!;
            var pairsPath = r.GetValue(pairs) ?? Path.Combine(dataDir, "pairs.txt");
            if (!File.Exists(pairsPath)) throw new FileNotFoundException($"{pairsPath}: no pair list (give --pairs)");
            using var face = EmbeddingModel.Open(r.GetValue(model)!, TorchRuntime.ResolveDevice(r.GetValue(device)!));
            var summary = Evaluate((set, token) => face.Embed(set, ct: token), face.Dimension, dataDir, pairsPath, ct: ct, align: r.GetValue(align));
            ConsoleOutput.Summary(r.GetValue(json), summary,
                $"verification accuracy {summary.Accuracy:P2} +- {summary.Std:P2} over {summary.Pairs} pairs; " +
                string.Join(", ", summary.TarAtFar.Select(kv => $"TAR@FAR={kv.Key}: {(kv.Value is double v ? v.ToString("P2") : "n/a (too few impostor pairs)")}")) +
                $"; rank-1 {summary.Rank1:P2}");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    public sealed record EvaluationSummary(double Accuracy, double Std, double[] FoldAccuracies, IReadOnlyDictionary<string, double?> TarAtFar, int Pairs, double Rank1)
    {
        /// <summary>Pairs left out because one of their images was quarantined (no face found in it, say).</summary>
        public int SkippedPairs { get; init; }
    }

    /// <summary>
    /// Embeds every image the pairs name (image + mirror) and scores the pairs by cosine. The pair list may sit in the
    /// image folder (a synthetic holdout's does): it is read, not packed. <paramref name="cacheRoot"/>: as <see cref="DatasetInput.Load"/>.
    /// </summary>
    public static EvaluationSummary Evaluate(FaceModel face, string dataDir, string pairsPath, TorchSharp.torch.Device device,
        string? cacheRoot = null, CancellationToken ct = default, string? align = null) =>
        Evaluate((set, token) => new Embedder(face, device).Embed(set, ct: token), face.Info.Backbone.EmbeddingSize, dataDir, pairsPath, cacheRoot, ct, align);

    /// <param name="embed">The model's embeddings of a set (image + mirror, L2-normalised), <paramref name="dim"/> floats a row.</param>
    public static EvaluationSummary Evaluate(Func<ImageSet, CancellationToken, float[]> embed, int dim, string dataDir, string pairsPath,
        string? cacheRoot = null, CancellationToken ct = default, string? align = null)
    {
        using var reader = new StreamReader(pairsPath);
        var set = DatasetInput.Load(dataDir, cacheRoot, except: pairsPath, align: align);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < set.Count; i++) index[set.Paths[i]] = i;
        // A pair whose image was quarantined (no face found in it, say) is left out and counted; one whose image is not in the folder is an error.
        var all = PairsFile.Parse(reader);
        bool Packed(string p) => index.ContainsKey(p.Replace('\\', '/'))
            || (File.Exists(Path.Combine(dataDir, p)) ? false : throw new InvalidDataException($"{pairsPath}: pair image {p} is not in {dataDir}"));
        var list = all.Where(p => Packed(p.PathA) & Packed(p.PathB)).ToList();
        if (list.Count == 0) throw new InvalidDataException($"{pairsPath}: every pair has a quarantined image (see the packed copy's quarantine.json)");
        int Find(string p) => index[p.Replace('\\', '/')];
        var emb = embed(set, ct);
        var scores = new double[list.Count];
        var same = new bool[list.Count];
        var folds = new int[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            scores[i] = Verification.Cosine(emb.AsSpan(Find(list[i].PathA) * dim, dim), emb.AsSpan(Find(list[i].PathB) * dim, dim));
            same[i] = list[i].Same;
            folds[i] = list[i].Fold;
        }
        int foldCount = folds.Max() + 1;
        var v = Verification.Evaluate(scores, same, foldCount == 1 ? 10 : foldCount, foldCount == 1 ? null : folds);
        double rank1 = Identification.Rank1LeaveOneOut(emb, dim, set.Labels);
        return new EvaluationSummary(v.Accuracy, v.Std, v.FoldAccuracies,
            v.TarAtFar.ToDictionary(t => t.Far.ToString("0e0"), t => t.Tar), v.Pairs, rank1) { SkippedPairs = all.Count - list.Count };
    }
}
