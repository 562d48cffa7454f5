using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.Face.Models;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Interop.Tests;

internal static class Backbones
{
    /// <summary>
    /// An untrained model with the BatchNorm statistics, affine terms and PReLU slopes a trained one has: running
    /// statistics measured on synthetic faces (then jittered), random scales, shifts and slopes. With the initial
    /// mean 0, variance 1, scale 1, shift 0 a converter that dropped or swapped them would still match, and the
    /// activations of a deep random network grow past float range.
    /// </summary>
    public static FaceModel Model(string name, int inputSize, long seed = 3) => TorchRuntime.OnOwnThread(() => Build(name, inputSize, seed));

    private static FaceModel Build(string name, int inputSize, long seed)
    {
        var info = new ModelInfo(BackboneSpec.Create(name, inputSize), 1, Face.Heads.MarginSpec.ArcFace, ["a", "b"]);
        var model = new FaceModel(info, seed: seed);
        var gen = new Generator((ulong)seed);
        var norms = model.Backbone.named_modules().Select(m => m.module).OfType<BatchNorm>().ToList();
        using (no_grad())
        {
            foreach (var (_, m) in model.Backbone.named_modules())
            {
                if (m is BatchNorm bn)
                {
                    bn.Bias.copy_(randn(bn.Features, generator: gen) * 0.1);
                    if (bn.Weight.requires_grad) bn.Weight.copy_(randn(bn.Features, generator: gen) * 0.1 + 1); // the embedding BN's unit scale stays
                }
                else if (m is PRelu p) p.Weight.copy_(rand(p.Weight.shape, generator: gen) * 0.5);
            }
            // One eval pass in which each BatchNorm first takes its input's statistics as its running ones.
            foreach (var bn in norms)
                bn.InputObserver = (b, x) =>
                {
                    var dims = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
                    using var scope = NewDisposeScope();
                    var variance = x.var(dims, unbiased: false);
                    b.RunningMean.copy_(x.mean(dims) + randn(b.Features, generator: gen) * 0.1 * variance.sqrt());
                    b.RunningVar.copy_(variance * (rand(b.Features, generator: gen) * 0.4 + 0.8) + 1e-3);
                };
            model.Backbone.eval();
            using var images = BatchTensors.Images(SyntheticFaces.Four, [0, 1, 2, 3], inputSize, default, CPU);
            model.Backbone.call(images).Dispose();
            foreach (var bn in norms) bn.InputObserver = null;
        }
        return model;
    }

    /// <summary>The backbone's raw outputs in TorchSharp for normalised NCHW inputs, row-major.</summary>
    public static float[] Raw(IResNet backbone, float[] input, int count) => TorchRuntime.OnOwnThread(() =>
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        backbone.eval();
        int s = backbone.Spec.InputSize;
        return backbone.call(tensor(input).view(count, 3, s, s)).contiguous().data<float>().ToArray();
    });

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    /// <summary>The smallest cosine between matching rows of two row-major matrices.</summary>
    public static double MinRowCosine(float[] a, float[] b, int dim)
    {
        double worst = 1;
        for (int r = 0; r < a.Length / dim; r++)
        {
            double ab = 0, aa = 0, bb = 0;
            for (int d = r * dim; d < (r + 1) * dim; d++) { ab += (double)a[d] * b[d]; aa += (double)a[d] * a[d]; bb += (double)b[d] * b[d]; }
            worst = Math.Min(worst, ab / Math.Sqrt(aa * bb));
        }
        return worst;
    }
}
