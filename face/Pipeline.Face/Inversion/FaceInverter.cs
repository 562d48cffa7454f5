using Pipeline.Face.Backbones;
using BatchNorm = Pipeline.Face.Backbones.BatchNorm;
using Pipeline.Face.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Face.Inversion;

/// <summary>Synthesised faces (RGB bytes, Batch x Size x Size x 3), how close each one's embedding came to the target, the loss terms at the first and last step, and how smooth the images are.</summary>
public sealed record InversionResult(byte[] Pixels, int Batch, int Size, double[] Cosine, double InitialCosine, InversionLosses Initial, InversionLosses Final, double Smoothness);

/// <summary>The objective's terms, unweighted: identity (1 - cosine, batch mean), BN prior (summed over layers), total variation and pixel L2 of the image.</summary>
public sealed record InversionLosses(double Identity, double BnPrior, double TotalVariation, double PixelL2);

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
    public static InversionResult ToEmbedding(FaceModel model, float[] target, InversionOptions? options = null, Action<int, double>? progress = null)
    {
        using var raw = tensor(target).unsqueeze(0);
        using var t = nn.functional.normalize(raw, p: 2, dim: 1); // once, not at every step
        return Run(model, options ?? new(), progress, e => nn.functional.normalize(e, p: 2, dim: 1).matmul(t.t()).squeeze(1));
    }

    public static InversionResult ToIdentity(FaceModel model, string identity, InversionOptions? options = null, Action<int, double>? progress = null)
    {
        int label = model.Info.Identities.ToList().IndexOf(identity);
        if (label < 0) throw new ArgumentException($"identity '{identity}' is not one of the model's {model.Info.Identities.Count} classes");
        using var centers = model.Head.NormalisedSubCenters();
        using var own = centers[label].clone(); // K x d
        return Run(model, options ?? new(), progress, e => nn.functional.normalize(e, p: 2, dim: 1).matmul(own.t()).max(1).values);
    }

    private static InversionResult Run(FaceModel model, InversionOptions o, Action<int, double>? progress, Func<Tensor, Tensor> cosineToTarget) =>
        TorchRuntime.OnOwnThread(() => RunHere(model, o, progress, cosineToTarget));

    private static InversionResult RunHere(FaceModel model, InversionOptions o, Action<int, double>? progress, Func<Tensor, Tensor> cosineToTarget)
    {
        var backbone = model.Backbone;
        int size = backbone.Spec.InputSize;
        int levels = Math.Max(1, o.Levels);
        int finestSide = size / Math.Max(1, o.PixelScale);
        if (finestSide >> (levels - 1) < 4) throw new ArgumentException($"{levels} resolution levels at 1/{o.PixelScale} of input size {size} start below 4 pixels");
        backbone.eval();
        var frozen = backbone.parameters().Select(p => (p, p.requires_grad)).ToList();
        foreach (var (p, _) in frozen) p.requires_grad = false;
        var norms = backbone.modules().OfType<BatchNorm>().ToList();
        var first = norms.FirstOrDefault();
        var bnTerms = new List<Tensor>();
        // Out of the backbone's own dispose scope, into the step's.
        foreach (var bn in norms)
            bn.InputObserver = (layer, x) => bnTerms.Add((BnPrior(layer, x) * (layer == first ? o.FirstBnMultiplier : 1)).MoveToOuterDisposeScope());
        try
        {
            var gen = new Generator((ulong)o.Seed);
            var shifts = new Random(o.Seed); // the jitter and zoom draws
            int coarse = finestSide >> (levels - 1);
            var pixels = new Parameter(randn([o.Batch, 3, coarse, coarse], generator: gen) * o.InitialNoise);
            double initialCos = double.NaN;
            InversionLosses? initial = null, final = null;
            double[] cos = [];
            int done = 0;
            for (int level = 0; level < levels; level++)
            {
                int steps = o.Steps * (level + 1) / levels - o.Steps * level / levels;
                if (level > 0)
                    using (no_grad())
                    {
                        var finer = nn.functional.interpolate(pixels, [pixels.shape[2] * 2, pixels.shape[3] * 2], mode: InterpolationMode.Bilinear, align_corners: false);
                        pixels.Dispose();
                        pixels = new Parameter(finer);
                    }
                using var adam = optim.Adam([pixels], lr: o.LearningRate);
                var schedule = o.CosineSchedule ? optim.lr_scheduler.CosineAnnealingLR(adam, Math.Max(1, steps)) : null;
                bool finest = level == levels - 1;
                for (int step = 0; step <= steps; step++)
                {
                    if (step == steps && !finest) break;
                    using var scope = NewDisposeScope();
                    bnTerms.Clear();
                    var image = pixels.shape[2] == size ? pixels : nn.functional.interpolate(pixels, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
                    bool measuring = step == steps;
                    if ((o.Jitter > 0 || o.Zoom > 0) && !measuring) image = Augment(image, o, shifts);
                    // Image + mirror, as every embedding of this project is taken, so search recognises the result.
                    var c = cosineToTarget(backbone.call(image) + backbone.call(image.flip(3)));
                    var identity = (1 - c).mean();
                    var bnLoss = bnTerms.Count == 0 ? zeros(1).squeeze() : stack(bnTerms).sum();
                    var tv = (image[.., .., 1.., ..] - image[.., .., ..^1, ..]).abs().mean() + (image[.., .., .., 1..] - image[.., .., .., ..^1]).abs().mean();
                    var l2 = image.pow(2).mean();
                    final = new InversionLosses(identity.item<float>(), bnLoss.item<float>(), tv.item<float>(), l2.item<float>());
                    if (done == 0 && step == 0) { initialCos = c.mean().item<float>(); initial = final; }
                    cos = c.detach().data<float>().Select(v => (double)v).ToArray();
                    if (measuring) break;
                    // The identity term at the margin head's scale s (64), as the ArcFace loss the weights were set against.
                    var loss = identity * (model.Info.Margin.Scale * o.IdentityWeight) + bnLoss * o.BnWeight + tv * o.TvWeight + l2 * o.L2Weight;
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    schedule?.step();
                    using (no_grad()) pixels.clamp_(-1, 1); // stay a displayable image: what is optimised is what is saved
                    progress?.Invoke(++done, cos.Average());
                }
            }
            using var full = pixels.shape[2] == size ? pixels.detach() : nn.functional.interpolate(pixels.detach(), [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
            using var img = (full.clamp(-1, 1) * 127.5 + 127.5).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
            var bytes = img.data<byte>().ToArray();
            pixels.Dispose();
            return new InversionResult(bytes, o.Batch, size, cos, initialCos, initial!, final!, ImageSmoothness.MeanNeighbourDifference(bytes, o.Batch, size));
        }
        finally
        {
            foreach (var bn in norms) bn.InputObserver = null;
            foreach (var (p, g) in frozen) p.requires_grad = g;
        }
    }

    /// <summary>Each image shifted by up to Jitter whole pixels and zoomed by up to Zoom, at random, edges repeated: no pattern fools the network at one position and scale only.</summary>
    private static Tensor Augment(Tensor image, InversionOptions o, Random random)
    {
        long n = image.shape[0], size = image.shape[3];
        var theta = new float[n * 6];
        for (int b = 0; b < n; b++)
        {
            double scale = 1 / (1 + o.Zoom * (2 * random.NextDouble() - 1));
            // A whole-pixel shift is exact under bilinear sampling with align_corners off.
            double dx = 2.0 * random.Next(-o.Jitter, o.Jitter + 1) / size, dy = 2.0 * random.Next(-o.Jitter, o.Jitter + 1) / size;
            theta[b * 6 + 0] = (float)scale; theta[b * 6 + 2] = (float)dx;
            theta[b * 6 + 4] = (float)scale; theta[b * 6 + 5] = (float)dy;
        }
        using var grid = nn.functional.affine_grid(tensor(theta).view(n, 2, 3), [n, 3, size, size], align_corners: false);
        return nn.functional.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
    }

    /// <summary>The BN prior of a batch of network inputs (N x 3 x H x W in [-1, 1]), one term per BatchNorm layer of the backbone in forward order, by module name.</summary>
    public static IReadOnlyList<(string Layer, double Value)> BnPriorTerms(FaceModel model, Tensor images) => TorchRuntime.OnOwnThread(() =>
    {
        var backbone = model.Backbone;
        backbone.eval();
        var names = backbone.named_modules().Where(m => m.module is BatchNorm).ToDictionary(m => (BatchNorm)m.module, m => m.name);
        var terms = new List<(string, double)>();
        foreach (var bn in names.Keys) bn.InputObserver = (layer, x) => terms.Add((names[layer], BnPrior(layer, x).item<float>()));
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            backbone.call(images);
        }
        finally { foreach (var bn in names.Keys) bn.InputObserver = null; }
        return (IReadOnlyList<(string, double)>)terms;
    });

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
