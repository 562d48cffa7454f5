using Pipeline.Contracts;

namespace Pipeline.Face.Purification;

/// <summary>
/// What the purifier scores each sample by before a threshold decides (higher: less like its class). One subclass per
/// score; every subclass in this assembly is found by its <see cref="Name"/>, so plans, reports, the command line and
/// the dashboard look a score up (<see cref="Parse"/>) instead of switching on it.
/// </summary>
public abstract class DropScore
{
    /// <summary>The one spelling of the score in plans, reports, the command line and the dashboard (<see cref="DropScores"/>).</summary>
    public abstract string Name { get; }

    /// <summary>What the score measures, in a line.</summary>
    public abstract string Measures { get; }

    /// <summary>
    /// Whether the score reads every sample's embedding (<see cref="ScoringInput.Embeddings"/>); otherwise the cosines
    /// to the class's sub-centers are all it needs, and the Purifier stores no embeddings.
    /// </summary>
    public abstract bool NeedsEveryEmbedding { get; }

    /// <summary>Whether the score can be measured in the within-class-whitened space (<see cref="WithinClassWhitening"/>).</summary>
    public virtual bool Whitenable => false;

    /// <summary>
    /// How its automatic threshold is fitted (<see cref="ScoreThreshold.Choose"/>): whether the clean mode is a split
    /// normal with a long right tail rather than a Gaussian, when measured <paramref name="whitened"/> or not.
    /// </summary>
    public virtual bool SkewedCleanMode(bool whitened) => false;

    /// <summary>Earlier spellings that still read as this score.</summary>
    public virtual IReadOnlyList<string> FormerNames => [];

    /// <summary>Every sample's score, whitened when asked and the score is <see cref="Whitenable"/>.</summary>
    public SampleScores Score(ScoringInput input, bool whitened, CancellationToken ct = default)
    {
        if (NeedsEveryEmbedding && input.Embeddings is null)
            throw new ArgumentException($"the {Name} score needs every sample's embedding, not only its cosines to the sub-centers");
        var scores = Measure(input, whitened && Whitenable, ct);
        if (scores.Values.Count != input.Labels.Count)
            throw new InvalidOperationException($"the {Name} score gave {scores.Values.Count} scores for {input.Labels.Count} samples");
        return scores;
    }

    protected abstract SampleScores Measure(ScoringInput input, bool whitened, CancellationToken ct);

    /// <summary>Every drop score, in the order of <see cref="DropScores.All"/>.</summary>
    public static IReadOnlyList<DropScore> All { get; } = typeof(DropScore).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(DropScore)) && !t.IsAbstract)
        .Select(t => (DropScore)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(s => DropScores.All.ToList().IndexOf(s.Name) is var i and >= 0 ? i : int.MaxValue)
        .ToArray();

    /// <summary>The score named <paramref name="name"/> (any case, or a former spelling); an <see cref="ArgumentException"/> naming the known ones otherwise.</summary>
    public static DropScore Parse(string name) =>
        All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || s.FormerNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown drop score '{name}' ({string.Join("|", All.Select(s => s.Name))})");

    public override string ToString() => Name;
    public override bool Equals(object? obj) => obj is DropScore other && other.Name == Name;
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
