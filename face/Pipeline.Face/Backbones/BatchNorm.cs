using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Face.Backbones;

/// <summary>
/// BatchNorm over the channel dimension (1-d and 2-d inputs), by functional batch_norm with the
/// usual weight, bias, running_mean and running_var. Not TorchSharp's module: its per-step
/// num_batches_tracked.add_(1) crashed long runs here ("alpha must not be a floating point
/// number", "Unknown scalar type") and the counter is unused with a fixed momentum.
/// The inversion's BN prior reads the input statistics through <see cref="LastInput"/>.
/// </summary>
public sealed class BatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;

    public BatchNorm(int features, double eps = 1e-5, double momentum = 0.1) : base("batch_norm")
    {
        Features = features;
        Eps = eps;
        Momentum = momentum;
        weight = new Parameter(ones(features));
        bias = new Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    public int Features { get; }
    public double Eps { get; }
    public double Momentum { get; }
    public Parameter Weight => get_parameter("weight")!;
    public Parameter Bias => get_parameter("bias")!;
    public Tensor RunningMean => get_buffer("running_mean")!;
    public Tensor RunningVar => get_buffer("running_var")!;

    /// <summary>When set, each forward hands its input here (the inversion's BN statistics hook).</summary>
    public Action<BatchNorm, Tensor>? InputObserver { get; set; }

    public override Tensor forward(Tensor x)
    {
        InputObserver?.Invoke(this, x);
        // By name, not by field: Module.to(device) swaps the registered tensors.
        return nn.functional.batch_norm(x, get_buffer("running_mean")!, get_buffer("running_var")!,
            get_parameter("weight")!, get_parameter("bias")!, training, Momentum, Eps);
    }
}
