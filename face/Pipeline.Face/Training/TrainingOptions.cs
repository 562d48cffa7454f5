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
    /// <summary>Channel multiplier on insightface's 64..512 widths; null: the backbone's own (tiny 0.5, others 1).</summary>
    public double? Width { get; init; }
    public int EmbeddingSize { get; init; } = 512;
    /// <summary>Dropout before the embedding FC (insightface: 0 for large sets, 0.4 for CASIA-sized ones).</summary>
    public double Dropout { get; init; }
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
    /// <summary>
    /// Self-purifying training from this epoch on (0: off): after every epoch from it, the model
    /// being trained scores every sample and the next epoch trains only on those it would keep
    /// (<see cref="Purification.SelfPurification"/>).
    /// </summary>
    public int SelfPurifyFrom { get; init; }
    /// <summary>Posterior of the angle mixture's noisy mode above which self-purification leaves a sample out.</summary>
    public double SelfPurifyPosterior { get; init; } = 0.9;
    /// <summary>Self-purification measures the angles to the class means in the within-class-whitened space (<see cref="Purification.WithinClassWhitening"/>).</summary>
    public bool SelfPurifyWhitened { get; init; } = true;
    public int SubCenters { get; init; } = 1;
    public MarginSpec Margin { get; init; } = MarginSpec.ArcFace;
    public double PartialFcRate { get; init; } = 1.0;
    public bool RandomFlip { get; init; } = true;
    public int Seed { get; init; } = 1;
    public string Device { get; init; } = "auto";
    /// <summary>Checkpoint every this many optimizer steps as well as at each epoch end (0: epochs only).</summary>
    public int CheckpointEverySteps { get; init; }

    public double EffectiveLearningRate => LearningRate ?? 0.1 * BatchSize / 512.0;

    /// <summary>Whether self-purification chooses, after <paramref name="epoch"/>, the samples the next epoch trains on.</summary>
    public bool SelfPurifiesAfter(int epoch) => SelfPurifyFrom > 0 && epoch >= SelfPurifyFrom && epoch < Epochs;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be >= 1 (got {Epochs})");
        if (BatchSize < 2) throw new ArgumentException($"batch size must be >= 2 (got {BatchSize}): BatchNorm needs a batch");
        if (SubCenters < 1) throw new ArgumentException($"sub-centers must be >= 1 (got {SubCenters})");
        if (DecayEpochs < Epochs) throw new ArgumentException($"decay epochs ({DecayEpochs}) must be at least the epochs ({Epochs})");
        if (Width <= 0) throw new ArgumentException($"width multiplier must be positive (got {Width})");
        if (EmbeddingSize < 2) throw new ArgumentException($"embedding size must be >= 2 (got {EmbeddingSize})");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1) (got {Dropout})");
        if (SelfPurifyFrom < 0) throw new ArgumentException($"self-purification epoch must be >= 0 (got {SelfPurifyFrom})");
        if (SelfPurifyPosterior is <= 0 or >= 1) throw new ArgumentException($"self-purification posterior must be in (0, 1) (got {SelfPurifyPosterior})");
        if (EffectiveLearningRate <= 0) throw new ArgumentException("learning rate must be positive");
    }
}
