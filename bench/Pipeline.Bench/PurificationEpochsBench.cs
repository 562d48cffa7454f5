using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Embedding;
using Pipeline.Face.Purification;
using Pipeline.Face.Training;

namespace Pipeline.Bench;

/// <summary>
/// How noise separation evolves while a sub-center model trains: after every epoch, every training
/// sample is embedded and scored (dominant sub-center, class mean) against truth.csv.
/// Usage: purify-epochs --data PACKED_DIR --truth truth.csv [--subcenters 3] [--epochs 10] [--lr 0.025] [--seed 1] [--decay-epochs E]
/// </summary>
public sealed class PurificationEpochsBench : IBenchmark
{
    public string Name => "purify-epochs";
    public string Description => "drop-score AUC and P/R after every training epoch, against truth.csv";

    public Task<int> RunAsync(string[] args)
    {
        var set = DatasetLoader.Load(Arg(args, "--data", null)!);
        var truth = TruthTable.Load(Arg(args, "--truth", null)!);
        var noisy = set.Paths.Select(p => truth[p].IsNoisy).ToArray();
        var kind = set.Paths.Select(p => truth[p].Noise).ToArray();
        var options = new TrainingOptions
        {
            SubCenters = int.Parse(Arg(args, "--subcenters", "3")!),
            Epochs = int.Parse(Arg(args, "--epochs", "10")!),
            LearningRate = double.Parse(Arg(args, "--lr", "0.025")!),
            Seed = int.Parse(Arg(args, "--seed", "1")!),
            DecayEpochs = Arg(args, "--decay-epochs", "") is { Length: > 0 } d ? double.Parse(d) : null,
            Device = "cpu",
        };
        // --train-on clean: an oracle that trains on the truly clean samples only, then scores every sample:
        // the separation an ideal purification round could reach with this model and budget.
        // --train-on REPORT.json: a second round, trained on an earlier purification's keep list.
        var trainOn = Arg(args, "--train-on", "all")!;
        var trainSet = trainOn switch
        {
            "all" => set,
            "clean" => set.Subset(Enumerable.Range(0, set.Count).Where(i => !noisy[i]).ToArray(), keepIdentities: true),
            _ when trainOn.StartsWith("fold") => set.Subset(Enumerable.Range(0, set.Count).Where(i => i % 2 != int.Parse(trainOn[4..])).ToArray(), keepIdentities: true),
            _ => set.Subset(KeptIndices(set, trainOn), keepIdentities: true),
        };
        var dump = Arg(args, "--dump", "");
        if (dump == "") dump = null; else Directory.CreateDirectory(dump!);
        Console.WriteLine($"training on {trainSet.Count} samples, {trainSet.Paths.Count(p => truth[p].IsNoisy)} of them noisy");
        FaceTrainer.Train(trainSet, options, epochEnded: (epoch, model) =>
        {
            int dim = model.Info.Backbone.EmbeddingSize, k = model.Info.SubCenters;
            var emb = new Embedder(model).Embed(set);
            using var centersT = model.Head.NormalisedSubCenters();
            var sub = centersT.contiguous().data<float>().ToArray();
            var cos = SubCenterPurifier.OwnClassCosines(emb, dim, set.Labels, sub, k);
            var paper = SubCenterPurifier.Decide(cos, k, set.Labels, set.Paths, set.Identities, DropRule.Auto);
            Console.WriteLine($"epoch {epoch}");
            PurificationRulesBench.Report("  dominant sub-center", paper.Samples.Select(s => s.Angle).ToArray(), noisy, kind);
            PurificationRulesBench.Report("  class mean", SubCenterPurifier.ClassMeanAngles(emb, dim, set.Labels, set.ClassCount), noisy, kind);
            var meanAngles = SubCenterPurifier.ClassMeanAngles(emb, dim, set.Labels, set.ClassCount);
            if (dump is not null)
            {
                var seen = trainSet.Paths.ToHashSet();
                File.WriteAllLines(Path.Combine(dump, $"epoch{epoch}.csv"), Enumerable.Range(0, set.Count).Select(i =>
                    $"{set.Paths[i]},{(noisy[i] ? 1 : 0)},{(seen.Contains(set.Paths[i]) ? 1 : 0)},{paper.Samples[i].Angle:F3},{meanAngles[i]:F3}"));
            }
            PurificationRulesBench.Report("  10-NN other-label share", NeighbourDisagreement(emb, dim, set.Labels, 10), noisy, kind);
        }, progress: null).Model.Dispose();
        return Task.FromResult(0);
    }

    /// <summary>Share (x 100) of each sample's k nearest neighbours (cosine) that carry another label.</summary>
    internal static double[] NeighbourDisagreement(float[] emb, int dim, IReadOnlyList<int> labels, int k)
    {
        int n = labels.Count;
        var score = new double[n];
        Parallel.For(0, n, i =>
        {
            var sims = new float[n];
            for (int j = 0; j < n; j++) sims[j] = j == i ? float.MinValue : System.Numerics.Tensors.TensorPrimitives.Dot(emb.AsSpan(i * dim, dim), emb.AsSpan(j * dim, dim));
            var idx = Enumerable.Range(0, n).ToArray();
            Array.Sort(sims, idx);
            int other = 0;
            for (int r = 0; r < k; r++) if (labels[idx[n - 1 - r]] != labels[i]) other++;
            score[i] = 100.0 * other / k + (1 - sims[n - 1]); // ties broken by distance to the nearest
        });
        return score;
    }

    private static int[] KeptIndices(ImageSet set, string reportPath)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath));
        var kept = doc.RootElement.GetProperty("samples").EnumerateArray()
            .Where(s => s.GetProperty("decision").GetString() == "keep").Select(s => s.GetProperty("path").GetString()!).ToHashSet();
        return Enumerable.Range(0, set.Count).Where(i => kept.Contains(set.Paths[i])).ToArray();
    }

    private static string? Arg(string[] args, string name, string? fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"{name} is required");
    }
}
