using Pipeline.Datasets;
using Pipeline.Face.Heads;
using Pipeline.Face.Purification;
using Pipeline.Face.Training;

namespace Pipeline.Bench;

/// <summary>
/// How noise separation evolves while a sub-center model trains: after every epoch, every training
/// sample is embedded and scored (dominant sub-center, class mean) against truth.csv.
/// Usage: purify-epochs --data PACKED_DIR --truth truth.csv [--subcenters 3] [--epochs 10] [--batch 64] [--lr 0.025] [--seed 1] [--decay-epochs E]
///   [--width W] [--embedding D] [--dropout P] [--wd WD] [--margin M] [--scale S]
///   [--self-purify-from E [--self-purify-posterior P] [--self-purify-unwhitened]] [--score-every N] [--noise-posteriors 0.8,0.9]
///   [--train-on all|clean|fold0|fold1|REPORT.json] [--dump DIR]
/// </summary>
public sealed class PurificationEpochsBench : IBenchmark
{
    public string Name => "purify-epochs";
    public string Description => "drop-score AUC and P/R after every training epoch, against truth.csv";

    public Task<int> RunAsync(string[] args)
    {
        var set = DatasetLoader.Load(BenchArgs.Required(args, "--data"));
        var truth = TruthTable.Load(BenchArgs.Required(args, "--truth"));
        var noisy = set.Paths.Select(p => truth[p].IsNoisy).ToArray();
        var kind = set.Paths.Select(p => truth[p].Noise).ToArray();
        var options = new TrainingOptions
        {
            SubCenters = BenchArgs.Int(args, "--subcenters", 3),
            Epochs = BenchArgs.Int(args, "--epochs", 10),
            BatchSize = BenchArgs.Int(args, "--batch", 64),
            LearningRate = BenchArgs.Double(args, "--lr") ?? 0.025,
            Seed = BenchArgs.Int(args, "--seed", 1),
            DecayEpochs = BenchArgs.Double(args, "--decay-epochs"),
            Width = BenchArgs.Double(args, "--width"),
            EmbeddingSize = BenchArgs.Int(args, "--embedding", 512),
            Dropout = BenchArgs.Double(args, "--dropout") ?? 0,
            WeightDecay = BenchArgs.Double(args, "--wd") ?? 5e-4,
            Margin = MarginSpec.ArcFace with { M2 = BenchArgs.Double(args, "--margin") ?? 0.5, Scale = BenchArgs.Double(args, "--scale") ?? 64 },
            SelfPurifyFrom = BenchArgs.Int(args, "--self-purify-from", 0),
            SelfPurifyPosterior = BenchArgs.Double(args, "--self-purify-posterior") ?? 0.9,
            SelfPurifyWhitened = !args.Contains("--self-purify-unwhitened"),
            Device = "cpu",
        };
        int scoreEvery = BenchArgs.Int(args, "--score-every", 1);
        // --noise-posteriors 0.8,0.9: the whitened margin's automatic threshold moved to these posteriors too (DropRule.NoisePosterior).
        var posteriors = (BenchArgs.Text(args, "--noise-posteriors") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        // --train-on clean: an oracle that trains on the truly clean samples only, then scores every sample:
        // the separation an ideal purification round could reach with this model and budget.
        // --train-on REPORT.json: a second round, trained on an earlier purification's keep list.
        var trainOn = BenchArgs.Text(args, "--train-on") ?? "all";
        var trainSet = trainOn switch
        {
            "all" => set,
            "clean" => set.Subset(Enumerable.Range(0, set.Count).Where(i => !noisy[i]).ToArray(), keepIdentities: true),
            _ when trainOn.StartsWith("fold") => set.Subset(Enumerable.Range(0, set.Count).Where(i => i % 2 != int.Parse(trainOn[4..])).ToArray(), keepIdentities: true),
            _ => set.Subset(KeptIndices(set, trainOn), keepIdentities: true),
        };
        var dump = BenchArgs.Text(args, "--dump");
        var seen = trainSet.Paths.ToHashSet();
        if (dump is not null)
        {
            Directory.CreateDirectory(dump);
            File.WriteAllLines(Path.Combine(dump, "meta.csv"), Enumerable.Range(0, set.Count).Select(i =>
                $"{set.Paths[i]},{set.Labels[i]},{truth[set.Paths[i]].TrueIdentity},{truth[set.Paths[i]].Noise}"));
        }
        Console.WriteLine($"training on {trainSet.Count} samples, {trainSet.Paths.Count(p => truth[p].IsNoisy)} of them noisy");
        var result = FaceTrainer.Train(trainSet, options, epochEnded: (epoch, model) =>
        {
            if (epoch % scoreEvery != 0 && epoch != options.Epochs) return;
            var (emb, paper) = PurificationRulesBench.EmbedAndDecide(model, set);
            int dim = model.Info.Backbone.EmbeddingSize;
            var toMeans = EmbeddingAngles.AnglesToCenters(emb, dim, set.Labels, EmbeddingAngles.ClassMeans(emb, dim, set.Labels, set.ClassCount));
            var meanAngles = toMeans.Own.ToArray();
            Console.WriteLine($"epoch {epoch}");
            PurificationRulesBench.Report("  dominant sub-center", paper.Samples.Select(s => s.Score).ToArray(), noisy, kind);
            PurificationRulesBench.Report("  class mean", meanAngles, noisy, kind);
            PurificationRulesBench.Report("  class margin", Enumerable.Range(0, set.Count).Select(toMeans.ClassMargin).ToArray(), noisy, kind, skewedClean: true);
            // What the Purifier scores by default: the margin in the within-class-whitened space, with the Gaussian mixture's threshold.
            var margin = new ClassMarginScore();
            var whitenedMargin = margin.Of(margin.Angles(EmbeddingChunks.InMemory(emb, dim, set.Labels, set.ClassCount), whitened: true)).ToArray();
            PurificationRulesBench.Report("  whitened class margin", whitenedMargin, noisy, kind);
            foreach (var q in posteriors)
                PurificationRulesBench.Report($"    at noise posterior {q}", whitenedMargin, noisy, kind, posterior: q);
            if (dump is not null)
            {
                File.WriteAllLines(Path.Combine(dump, $"epoch{epoch}.csv"), Enumerable.Range(0, set.Count).Select(i =>
                    $"{set.Paths[i]},{(noisy[i] ? 1 : 0)},{(seen.Contains(set.Paths[i]) ? 1 : 0)},{paper.Samples[i].Score:F3},{meanAngles[i]:F3}"));
                // Raw material for trying rules offline: embeddings (N x D), sub-centers (C x K x D), float32.
                File.WriteAllBytes(Path.Combine(dump, $"epoch{epoch}-emb.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(emb.AsSpan()).ToArray());
                using (var centers = model.Head.NormalisedSubCenters())
                    File.WriteAllBytes(Path.Combine(dump, $"epoch{epoch}-centers.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(centers.contiguous().data<float>().ToArray().AsSpan()).ToArray());
                // The trainer makes the same choice next; it does not hand it out, so the dump repeats the embedding pass.
                if (options.SelfPurifiesAfter(epoch) && SelfPurification.Keep(model, set, options.SelfPurifyPosterior, whitened: options.SelfPurifyWhitened) is { } keep)
                    File.WriteAllLines(Path.Combine(dump, $"epoch{epoch}-keep.csv"), keep.Select(k => k ? "1" : "0"));
            }
        }, progress: null);
        result.Model.Dispose();
        Console.WriteLine($"samples trained on per epoch: {string.Join(" ", result.History.Select(h => h.Samples))}; {result.Elapsed.TotalSeconds:F0} s");
        return Task.FromResult(0);
    }

    private static int[] KeptIndices(ImageSet set, string reportPath)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath));
        var kept = doc.RootElement.GetProperty("samples").EnumerateArray()
            .Where(s => s.GetProperty("decision").GetString() == "keep").Select(s => s.GetProperty("path").GetString()!).ToHashSet();
        return Enumerable.Range(0, set.Count).Where(i => kept.Contains(set.Paths[i])).ToArray();
    }
}
