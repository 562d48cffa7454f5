namespace Pipeline.Datasets;

/// <summary>
/// A synthetic noisy face set. Noise fractions are of the train images and exact:
/// round(fraction x identities x perIdentity) images of each kind.
/// </summary>
public sealed record SyntheticFaceOptions
{
    public int Identities { get; init; } = 100;
    public int PerIdentity { get; init; } = 20;
    /// <summary>Images of another set identity filed under the wrong one.</summary>
    public double ClosedNoise { get; init; }
    /// <summary>Faces of people outside the set filed under set identities.</summary>
    public double OpenNoise { get; init; }
    /// <summary>Non-face images filed under set identities.</summary>
    public double Junk { get; init; }
    /// <summary>Unseen identities (PerIdentity images each) for verification pairs.</summary>
    public int HoldoutIdentities { get; init; } = 100;
    /// <summary>Upper bound on pairs per class per fold in pairs.txt (LFW uses 300).</summary>
    public int PairsPerFold { get; init; } = 300;
    public int Size { get; init; } = 112;
    public long Seed { get; init; } = 1;
    /// <summary>Scales pose, expression, occlusion, lighting and camera variation (1 = default, 0 = none).</summary>
    public double Difficulty { get; init; } = 1.0;
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Replace train/, holdout/ and truth.csv when the output folder already has them.</summary>
    public bool Overwrite { get; init; }

    public void Validate()
    {
        if (Identities < 2) throw new ArgumentException("need at least 2 identities");
        if (PerIdentity < 1) throw new ArgumentException("need at least 1 image per identity");
        if (HoldoutIdentities < 0) throw new ArgumentException("holdout identities cannot be negative");
        if (HoldoutIdentities > 0 && (HoldoutIdentities < 2 || PerIdentity < 2))
            throw new ArgumentException("verification pairs need at least 2 holdout identities with 2 images each");
        foreach (var (name, f) in new[] { ("closed noise", ClosedNoise), ("open noise", OpenNoise), ("junk", Junk) })
            if (f is < 0 or > 1 || double.IsNaN(f)) throw new ArgumentException($"{name} fraction {f} is not in [0, 1]");
        if (ClosedNoise + OpenNoise + Junk > 1) throw new ArgumentException("noise fractions add up to more than 1");
        if (Size is < 32 or > 1024) throw new ArgumentException($"size {Size} is not in 32..1024");
        if (Difficulty is < 0 or > 3) throw new ArgumentException($"difficulty {Difficulty} is not in 0..3");
        if (PairsPerFold < 1) throw new ArgumentException("pairs per fold must be positive");
    }
}

/// <summary>What a synth run wrote.</summary>
public sealed record SynthResult(
    int TrainImages, int HoldoutImages, int Clean, int Closed, int Open, int Junk,
    int PairsPerFold, int Folds, TimeSpan Elapsed, string TruthPath, string? PairsPath);
