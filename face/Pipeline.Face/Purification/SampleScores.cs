namespace Pipeline.Face.Purification;

/// <summary>
/// What a drop score reads about a set: each sample's class and its class's name, its cosines to its own class's
/// sub-centers (<see cref="SubCenterAssignment"/>), and the embeddings when the score needs every one
/// (<see cref="DropScore.NeedsEveryEmbedding"/>; null otherwise).
/// </summary>
public sealed record ScoringInput(IReadOnlyList<int> Labels, IReadOnlyList<string> Identities, SubCenterAssignment SubCenters, EmbeddingChunks? Embeddings = null)
{
    /// <param name="cosines">N x K: each sample's cosine to each of its own class's sub-centers.</param>
    public static ScoringInput Of(IReadOnlyList<float> cosines, int k, IReadOnlyList<int> labels, IReadOnlyList<string> identities, EmbeddingChunks? embeddings = null) =>
        new(labels, identities, SubCenterAssignment.Of(cosines, k, labels, identities.Count), embeddings);
}

/// <summary>
/// Each sample's nearest sub-center among its class's K, and each class's dominant sub-center: the one most of its
/// samples are nearest to (ties go to the first), from the cosines (N x K) of each sample to its own class's sub-centers.
/// </summary>
public sealed record SubCenterAssignment(int K, IReadOnlyList<float> Cosines, int[] Nearest, int[] Dominant)
{
    public static SubCenterAssignment Of(IReadOnlyList<float> cosines, int k, IReadOnlyList<int> labels, int classes)
    {
        int n = labels.Count;
        if (cosines.Count != n * k) throw new ArgumentException("cosines must be N x K");
        var nearest = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int j = 1; j < k; j++)
                if (cosines[i * k + j] > cosines[i * k + best]) best = j;
            nearest[i] = best;
        }
        var counts = new int[classes * k];
        for (int i = 0; i < n; i++) counts[labels[i] * k + nearest[i]]++;
        var dominant = new int[classes];
        for (int c = 0; c < classes; c++)
            for (int j = 1; j < k; j++)
                if (counts[c * k + j] > counts[c * k + dominant[c]]) dominant[c] = j;
        return new SubCenterAssignment(k, cosines, nearest, dominant);
    }
}

/// <summary>
/// Every sample's drop score and how each came about (<see cref="Describe"/>: the start of its decision's reason),
/// with what the threshold's fit needs to know of the measurement.
/// </summary>
public sealed record SampleScores(IReadOnlyList<double> Values, Func<int, string> Describe)
{
    /// <summary>Set when the scores were measured in the within-class-whitened space.</summary>
    public WhiteningSummary? Whitening { get; init; }

    /// <summary>The share of the set <see cref="ConfidentJoint"/> estimates to be noise; null when not measured.</summary>
    public double? EstimatedNoise { get; init; }
}
