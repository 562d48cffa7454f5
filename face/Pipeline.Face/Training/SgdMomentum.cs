using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Training;

/// <summary>
/// SGD with momentum and L2 weight decay, PyTorch's update rule (buf = mu*buf + g + wd*p;
/// p -= lr*buf). Its state is a plain list of tensors, so checkpoints hold it exactly.
/// </summary>
public sealed class SgdMomentum(IReadOnlyList<Tensor> parameters, double momentum, double weightDecay) : IDisposable
{
    private readonly Tensor?[] _buffers = new Tensor?[parameters.Count];
    // Scalars held for the optimizer's lifetime: an implicit temporary can be finalised while the
    // native call that uses it is still running (seen here as corrupted scalars in long runs).
    private readonly Scalar _momentum = momentum.ToScalar();
    private readonly Scalar _weightDecay = weightDecay.ToScalar();
    private readonly Scalar _one = 1.0.ToScalar();

    public IReadOnlyList<Tensor> Parameters => parameters;

    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    public void Step(double lr)
    {
        using var _ = no_grad();
        using var step = (-lr).ToScalar();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var g = p.grad;
            if (g is null) continue;
            var d = g.add(p, alpha: _weightDecay);
            if (_buffers[i] is null) _buffers[i] = d.DetachFromDisposeScope(); // optimizer state outlives the step's scope
            else { _buffers[i]!.mul_(_momentum).add_(d, alpha: _one); d.Dispose(); }
            p.add_(_buffers[i]!, alpha: step);
        }
        GC.KeepAlive(step);
    }

    /// <summary>Momentum buffers by parameter index; parameters not yet stepped are absent.</summary>
    public IEnumerable<(int Index, Tensor Buffer)> State() =>
        _buffers.Select((b, i) => (i, b)).Where(t => t.b is not null).Select(t => (t.i, t.b!));

    public void LoadState(IEnumerable<(int Index, Tensor Buffer)> state)
    {
        foreach (var (i, b) in state)
        {
            _buffers[i]?.Dispose();
            _buffers[i] = b.to(parameters[i].device).clone().DetachFromDisposeScope();
        }
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b?.Dispose();
        _momentum.Dispose();
        _weightDecay.Dispose();
        _one.Dispose();
    }
}
