using System.Diagnostics;
using Pipeline.Datasets;
using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>Where a training step of the demo model spends its time: batch assembly, forward, backward, optimizer.</summary>
public sealed class TrainingStepProfile : IBenchmark
{
    public string Name => "train-profile";
    public string Description => "time per part of a tiny@64 training step";

    public Task<int> RunAsync(string[] args) => Task.FromResult(TorchRuntime.OnOwnThread(() => Profile(args)));

    private static int Profile(string[] args)
    {
        int classes = BenchArgs.Int(args, "--classes", 200), batch = BenchArgs.Int(args, "--batch", 64), steps = BenchArgs.Int(args, "--steps", 40);
        var rng = new Random(1);
        var pixels = new byte[batch * 8 * 64 * 64 * 3];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, batch * 8).Select(i => i % classes).ToArray();
        var set = new ImageSet(64, pixels, labels, labels.Select(i => $"x/{i}").ToArray(), Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray());
        var backbone = new IResNet(BackboneSpec.Create("tiny", 64));
        var head = new MarginHead(512, classes, 3, MarginSpec.ArcFace);
        var ps = backbone.parameters().Where(p => p.requires_grad).ToList();
        using var opt = new SgdMomentum(ps.Concat(head.parameters()).ToList<Tensor>(), 0.9, 5e-4);
        var t = new double[5];
        var idx = Enumerable.Range(0, batch).ToArray();
        var flips = new bool[batch];
        for (int s = -5; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var x = BatchTensors.Images(set, idx, 64, flips, CPU);
            var y = BatchTensors.Labels(set, idx, CPU);
            double a = sw.Elapsed.TotalMilliseconds;
            var emb = backbone.call(x);
            double b = sw.Elapsed.TotalMilliseconds;
            var (logits, lab, _) = head.Logits(emb, y);
            var loss = nn.functional.cross_entropy(logits, lab);
            double c = sw.Elapsed.TotalMilliseconds;
            opt.ZeroGrad();
            loss.backward();
            double d = sw.Elapsed.TotalMilliseconds;
            nn.utils.clip_grad_norm_(ps, 5);
            opt.Step(0.01);
            double e = sw.Elapsed.TotalMilliseconds;
            if (s < 0) continue;
            t[0] += a; t[1] += b - a; t[2] += c - b; t[3] += d - c; t[4] += e - d;
        }
        string[] names = ["batch", "backbone fwd", "head fwd+loss", "backward", "clip+sgd"];
        double total = t.Sum();
        for (int i = 0; i < 5; i++) Console.WriteLine($"{names[i],-14} {t[i] / steps,7:F2} ms ({t[i] / total:P0})");
        Console.WriteLine($"step {total / steps:F1} ms = {batch * steps * 1000 / total:F0} img/s");
        return 0;
    }
}
