using Pipeline.Face.Backbones;
using BatchNorm = Pipeline.Face.Backbones.BatchNorm;
using Pipeline.Face.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Face.Inversion;

/// <summary>The ArcFace paper's inversion weights (Deng et al., TPAMI 2022): Adam lr 0.25, BN prior 0.05, total variation 1e-3, pixel L2 1e-4.</summary>
public sealed record InversionOptions
{
    public int Steps { get; init; } = 300;
    public int Batch { get; init; } = 4;
    public double LearningRate { get; init; } = 0.25;
    public double BnWeight { get; init; } = 0.05;
    public double TvWeight { get; init; } = 1e-3;
    public double L2Weight { get; init; } = 1e-4;
    public int Seed { get; init; } = 1;
}

/// <summary>Synthesised faces (RGB bytes, Batch x Size x Size x 3) and how close each one's embedding came to the target.</summary>
public sealed record InversionResult(byte[] Pixels, int Batch, int Size, double[] Cosine, double InitialCosine, double InitialBnLoss, double FinalBnLoss);

/// <summary>
/// A face image from an embedding with no generator: the network is frozen and the pixels of a
/// batch of Gaussian-noise images are optimised so that their embeddings match the target while
/// every BatchNorm layer sees input statistics like those it was trained on (the BN prior), plus
/// total-variation and pixel-L2 smoothness. Open-set: the target is any embedding (of a face in or
/// out of the training set); closed-set: the target is an identity's class center(s), scored by
/// its best sub-center.
/// </summary>
public static class FaceInverter
{
    public static InversionResult ToEmbedding(FaceModel model, float[] target, InversionOptions? options = null, Action<int, double>? progress = null) =>
        Run(model, options ?? new(), progress, e =>
        {
            var t = nn.functional.normalize(tensor(target).unsqueeze(0), p: 2, dim: 1);
            return nn.functional.normalize(e, p: 2, dim: 1).matmul(t.t()).squeeze(1);
        });

    public static InversionResult ToIdentity(FaceModel model, string identity, InversionOptions? options = null, Action<int, double>? progress = null)
    {
        int label = model.Info.Identities.ToList().IndexOf(identity);
        if (label < 0) throw new ArgumentException($"identity '{identity}' is not one of the model's {model.Info.Identities.Count} classes");
        using var centers = model.Head.NormalisedSubCenters();
        var own = centers[label].clone(); // K x d
        return Run(model, options ?? new(), progress, e => nn.functional.normalize(e, p: 2, dim: 1).matmul(own.t()).max(1).values);
    }

    private static InversionResult Run(FaceModel model, InversionOptions o, Action<int, double>? progress, Func<Tensor, Tensor> cosineToTarget) =>
        TorchRuntime.OnOwnThread(() => RunHere(model, o, progress, cosineToTarget));

    private static InversionResult RunHere(FaceModel model, InversionOptions o, Action<int, double>? progress, Func<Tensor, Tensor> cosineToTarget)
    {
        var backbone = model.Backbone;
        int size = backbone.Spec.InputSize;
        backbone.eval();
        var frozen = backbone.parameters().Select(p => (p, p.requires_grad)).ToList();
        foreach (var (p, _) in frozen) p.requires_grad = false;
        var norms = backbone.modules().OfType<BatchNorm>().ToList();
        var bnTerms = new List<Tensor>();
        // Out of the backbone's own dispose scope, into the step's.
        foreach (var bn in norms) bn.InputObserver = (layer, x) => bnTerms.Add(BnPrior(layer, x).MoveToOuterDisposeScope());
        try
        {
            var gen = new Generator((ulong)o.Seed);
            var pixels = new Parameter(randn([o.Batch, 3, size, size], generator: gen));
            using var adam = optim.Adam([pixels], lr: o.LearningRate);
            double initialCos = double.NaN, initialBn = double.NaN, lastBn = double.NaN;
            double[] cos = [];
            for (int step = 0; step <= o.Steps; step++)
            {
                using var scope = NewDisposeScope();
                bnTerms.Clear();
                // Image + mirror, as every embedding of this project is taken, so search recognises the result.
                var c = cosineToTarget(backbone.call(pixels) + backbone.call(pixels.flip(3)));
                var bnLoss = bnTerms.Count == 0 ? zeros(1) : stack(bnTerms).sum();
                if (step == 0) { initialCos = c.mean().item<float>(); initialBn = bnLoss.item<float>(); }
                cos = c.detach().data<float>().Select(v => (double)v).ToArray();
                lastBn = bnLoss.item<float>();
                if (step == o.Steps) break;
                var tv = (pixels[.., .., 1.., ..] - pixels[.., .., ..^1, ..]).abs().mean() + (pixels[.., .., .., 1..] - pixels[.., .., .., ..^1]).abs().mean();
                // The identity term at the margin head's scale s (64), as the ArcFace loss the weights were set against.
                var loss = (1 - c).mean() * model.Info.Margin.Scale + bnLoss * o.BnWeight + tv * o.TvWeight + pixels.pow(2).mean() * o.L2Weight;
                adam.zero_grad();
                loss.backward();
                adam.step();
                using (no_grad()) pixels.clamp_(-1, 1); // stay a displayable image: what is optimised is what is saved
                progress?.Invoke(step + 1, cos.Average());
            }
            using var img = (pixels.detach().clamp(-1, 1) * 127.5 + 127.5).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
            return new InversionResult(img.data<byte>().ToArray(), o.Batch, size, cos, initialCos, initialBn, lastBn);
        }
        finally
        {
            foreach (var bn in norms) bn.InputObserver = null;
            foreach (var (p, g) in frozen) p.requires_grad = g;
        }
    }

    /// <summary>||mean_batch - running_mean||^2 + ||std_batch - running_std||^2 of a BN layer's input.</summary>
    private static Tensor BnPrior(BatchNorm layer, Tensor x)
    {
        long[] dims = x.dim() == 4 ? [0, 2, 3] : [0];
        if (x.dim() == 2 && x.shape[0] < 2) return zeros(1).squeeze(); // one sample has no batch spread
        var mean = x.mean(dims);
        var std = (x.var(dims, unbiased: false) + layer.Eps).sqrt();
        var runStd = (layer.RunningVar + layer.Eps).sqrt();
        return (mean - layer.RunningMean).pow(2).sum() + (std - runStd).pow(2).sum();
    }
}
