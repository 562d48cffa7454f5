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

    public IReadOnlyList<Tensor> Parameters => parameters;

    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    public void Step(double lr)
    {
        using var _ = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var g = p.grad;
            if (g is null) continue;
            var d = weightDecay != 0 ? g.add(p, alpha: weightDecay) : g.clone();
            if (_buffers[i] is null) _buffers[i] = d.DetachFromDisposeScope(); // optimizer state outlives the step's scope
            else { _buffers[i]!.mul_(momentum).add_(d); d.Dispose(); }
            p.add_(_buffers[i]!, alpha: -lr);
        }
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
    }
}
