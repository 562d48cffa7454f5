using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Face.Backbones;

/// <summary>
/// PReLU with one learnable slope per channel (parameter "weight", as torch's module, so saved
/// models load either way). Same forward as libtorch's prelu; its backward is ours: libtorch 2.10's
/// prelu backward on CPU is a scalar two-output loop, while the same gradients from vectorised ops take
/// a fraction of its time (bench/experiments/training-step-profile.md).
/// </summary>
public sealed class PRelu : nn.Module<Tensor, Tensor>
{
    public PRelu(int channels, double init = 0.25) : base("prelu") =>
        register_parameter("weight", new Parameter(full(channels, init)));

    public Parameter Weight => get_parameter("weight")!;

    public override Tensor forward(Tensor x)
    {
        var w = Weight; // by name: Module.to(device) swaps the registered tensors
        return is_grad_enabled() && (x.requires_grad || w.requires_grad)
            ? PReluFunction.apply(x, w)
            : nn.functional.prelu(x, w);
    }

    /// <summary>y = x (x &gt; 0), a_c x otherwise; dx = g (x &gt; 0), a_c g otherwise; da_c = sum of g min(x, 0) over all but the channel.</summary>
    private sealed class PReluFunction : autograd.SingleTensorFunction<PReluFunction>
    {
        public override string Name => "PReluVectorised";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var a = (Tensor)vars[1];
            ctx.save_for_backward([x, a]);
            return nn.functional.prelu(x, a);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = ctx.get_saved_variables();
            Tensor x = saved[0], a = saved[1];
            using var scope = NewDisposeScope();
            var shape = new long[x.dim()];
            Array.Fill(shape, 1L);
            shape[1] = a.shape[0];
            var reduce = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
            var slope = a.view(shape);
            var gradA = grad.mul(x.clamp_max(0)).sum(reduce);
            // dy/dx = 1 where x > 0, else a: sign(x) clamped at 0, blended with the slope. All
            // vectorised kernels (libtorch's where/gt on CPU are scalar loops).
            var gradX = x.sign().clamp_min_(0).mul_(1 - slope).add_(slope).mul_(grad);
            return [gradX.MoveToOuterDisposeScope(), gradA.MoveToOuterDisposeScope()];
        }
    }
}
