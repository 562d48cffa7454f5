using Pipeline.Face.Heads;

namespace Pipeline.Face.Training;

/// <summary>
/// Everything that decides a training run; saved next to the model so the run can be
/// reproduced from one file. Defaults follow insightface (SGD 0.9, wd 5e-4, lr 0.1 per 512
/// images scaled linearly, warm-up then polynomial decay, clip 5).
/// </summary>
public sealed record TrainingOptions
{
    public string Backbone { get; init; } = "tiny";
    public int InputSize { get; init; } = 64;
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    /// <summary>Null: 0.1 x batch / 512 (linear scaling; lr 0.1 at batch 64 collapsed plain ArcFace on small data).</summary>
    public double? LearningRate { get; init; }
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public double WarmupEpochs { get; init; } = 1;
    public double PolyPower { get; init; } = 2.0;
    /// <summary>
    /// Epochs over which the polynomial decay would reach zero; null: <see cref="Epochs"/>. Longer
    /// stops training part-way down the curve, at a higher rate.
    /// </summary>
    public double? DecayEpochs { get; init; }
    public double GradientClip { get; init; } = 5.0;
    public int SubCenters { get; init; } = 1;
    public MarginSpec Margin { get; init; } = MarginSpec.ArcFace;
    public double PartialFcRate { get; init; } = 1.0;
    public bool RandomFlip { get; init; } = true;
    public int Seed { get; init; } = 1;
    public string Device { get; init; } = "auto";
    /// <summary>Checkpoint every this many optimizer steps as well as at each epoch end (0: epochs only).</summary>
    public int CheckpointEverySteps { get; init; }

    public double EffectiveLearningRate => LearningRate ?? 0.1 * BatchSize / 512.0;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be >= 1 (got {Epochs})");
        if (BatchSize < 2) throw new ArgumentException($"batch size must be >= 2 (got {BatchSize}): BatchNorm needs a batch");
        if (SubCenters < 1) throw new ArgumentException($"sub-centers must be >= 1 (got {SubCenters})");
        if (DecayEpochs < Epochs) throw new ArgumentException($"decay epochs ({DecayEpochs}) must be at least the epochs ({Epochs})");
        if (EffectiveLearningRate <= 0) throw new ArgumentException("learning rate must be positive");
    }
}
