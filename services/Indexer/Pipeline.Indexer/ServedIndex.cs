using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// What the index serves: each alias with its collection, the run whose model embedded it, its points and when that
/// collection was published; each run's collection with its publication (the <see cref="IndexPublished"/> the index
/// step stored beside the model); and an alias's rollback, to the collection published to it before the one it serves.
/// The index keeps no history of its own, so the publications are the history, and a switch by hand is recorded
/// (<see cref="IndexNames.AliasSwitch"/>) so that the panel says when the alias moved, not only when its collection was published.
/// </summary>
public sealed class ServedIndex(IVectorIndex index, ArtifactStore store)
{
    public async Task<IndexOverview> OverviewAsync(CancellationToken ct)
    {
        var collections = new List<CollectionView>();
        foreach (var name in (await index.ListCollectionsAsync(ct)).Where(IndexNames.IsFaceCollection).Order(StringComparer.Ordinal))
        {
            var run = IndexNames.ModelOf(name).RunId;
            var published = await store.GetJsonAsync<IndexPublished>(BlobContainers.Models, IndexNames.Published(run), ct);
            collections.Add(new CollectionView(name, run, await index.CountAsync(name, null, ct), published?.PublishedAt, published?.Alias, published?.NotPublished));
        }
        var aliases = new List<AliasView>();
        foreach (var (alias, target) in (await index.ListAliasesAsync(ct)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var serving = collections.FirstOrDefault(c => c.Collection == target);
            var byHand = await store.GetJsonAsync<AliasSwitch>(BlobContainers.Models, IndexNames.AliasSwitch(alias), ct);
            var (switchedAt, how) = byHand is not null && byHand.Collection == target && !(byHand.At < serving?.PublishedAt)
                ? (byHand.At, byHand.How) : (serving?.PublishedAt, serving?.PublishedAt is null ? null : AliasSwitch.Published);
            aliases.Add(new AliasView(alias, target, serving?.Run, serving?.Points ?? await index.CountAsync(target, null, ct), serving?.PublishedAt,
                switchedAt, how, Previous(alias, serving, collections)));
        }
        return new IndexOverview(aliases, collections.OrderByDescending(c => c.PublishedAt).ThenBy(c => c.Collection, StringComparer.Ordinal).ToList());
    }

    /// <summary>Points the alias back at <see cref="AliasView.Previous"/>; an <see cref="InvalidOperationException"/> when there is none.</summary>
    public async Task<AliasRollback> RollBackAsync(string alias, CancellationToken ct)
    {
        var view = (await OverviewAsync(ct)).Aliases.FirstOrDefault(a => a.Alias == alias)
            ?? throw new KeyNotFoundException($"alias '{alias}' does not exist");
        var previous = view.Previous ?? throw new InvalidOperationException(view.PublishedAt is null
            ? $"alias '{alias}' serves {view.Collection}, which was never published to it: no earlier collection to go back to"
            : $"alias '{alias}' serves {view.Collection}, the first collection published to it: nothing earlier to go back to");
        await SwitchAsync(alias, previous.Collection, AliasSwitch.RolledBack, ct);
        return new AliasRollback(alias, previous.Collection, previous.Run, view.Collection);
    }

    /// <summary>Points the alias at the collection by hand, and records when and how.</summary>
    public async Task SwitchAsync(string alias, string collection, string how, CancellationToken ct)
    {
        await index.SetAliasAsync(alias, collection, ct);
        await store.PutJsonAsync(BlobContainers.Models, IndexNames.AliasSwitch(alias), new AliasSwitch(alias, collection, how, DateTimeOffset.UtcNow), ct);
    }

    /// <summary>The newest collection published to the alias before the one it serves (none when that one's publication is unknown).</summary>
    private static CollectionView? Previous(string alias, CollectionView? serving, IEnumerable<CollectionView> collections) =>
        serving?.PublishedAt is not { } since ? null : collections
            .Where(c => c.Alias == alias && c.NotPublished is null && c.PublishedAt < since && c.Collection != serving.Collection)
            .MaxBy(c => c.PublishedAt);
}

/// <summary>A run's collection: its points, and when and to which alias it was published (or why not), when its index step recorded it.</summary>
public sealed record CollectionView(string Collection, string Run, long Points, DateTimeOffset? PublishedAt, string? Alias, string? NotPublished);

/// <summary>
/// An alias, the collection it serves (with its run, points and publication time), when and how it last switched to it
/// (<see cref="AliasSwitch"/>'s words; null when unknown) and the collection a rollback would serve.
/// </summary>
public sealed record AliasView(string Alias, string Collection, string? Run, long Points, DateTimeOffset? PublishedAt,
    DateTimeOffset? SwitchedAt, string? Switch, CollectionView? Previous);

/// <summary>How an alias came to serve a collection: its run's index published it, or someone switched it by hand.</summary>
public sealed record AliasSwitch(string Alias, string Collection, string How, DateTimeOffset At)
{
    public const string Published = "published", RolledBack = "rolled back", Set = "set by hand";
}

public sealed record IndexOverview(IReadOnlyList<AliasView> Aliases, IReadOnlyList<CollectionView> Collections);

public sealed record AliasRollback(string Alias, string Collection, string Run, string From);
