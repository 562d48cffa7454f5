using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Infra.Blobs;
using Pipeline.VectorIndex;

namespace Pipeline.Indexer;

/// <summary>
/// What the index serves: each alias with its collection, the run whose model embedded it, its points and when that
/// collection was published; each run's collection with its publication (the <see cref="IndexPublished"/> the index
/// step stored beside the model); and an alias's rollback, to the collection published to it before the one it serves.
/// The index keeps no history of its own, so the publications are the history.
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
            aliases.Add(new AliasView(alias, target, serving?.Run, serving?.Points ?? await index.CountAsync(target, null, ct), serving?.PublishedAt,
                Previous(alias, serving, collections)));
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
        await index.SetAliasAsync(alias, previous.Collection, ct);
        return new AliasRollback(alias, previous.Collection, previous.Run, view.Collection);
    }

    /// <summary>The newest collection published to the alias before the one it serves (none when that one's publication is unknown).</summary>
    private static CollectionView? Previous(string alias, CollectionView? serving, IEnumerable<CollectionView> collections) =>
        serving?.PublishedAt is not { } since ? null : collections
            .Where(c => c.Alias == alias && c.NotPublished is null && c.PublishedAt < since && c.Collection != serving.Collection)
            .MaxBy(c => c.PublishedAt);
}

/// <summary>A run's collection: its points, and when and to which alias it was published (or why not), when its index step recorded it.</summary>
public sealed record CollectionView(string Collection, string Run, long Points, DateTimeOffset? PublishedAt, string? Alias, string? NotPublished);

/// <summary>An alias, the collection it serves (with its run, points and publication time) and the one a rollback would serve.</summary>
public sealed record AliasView(string Alias, string Collection, string? Run, long Points, DateTimeOffset? PublishedAt, CollectionView? Previous);

public sealed record IndexOverview(IReadOnlyList<AliasView> Aliases, IReadOnlyList<CollectionView> Collections);

public sealed record AliasRollback(string Alias, string Collection, string Run, string From);
