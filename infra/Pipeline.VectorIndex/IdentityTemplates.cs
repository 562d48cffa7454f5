using System.Numerics.Tensors;

namespace Pipeline.VectorIndex;

/// <summary>
/// One template per identity: the mean of its unit embeddings, renormalised. Templates of a
/// collection live in their own collection (<see cref="CollectionFor"/>) and are searched through the
/// same <see cref="IVectorIndex"/>, which gives 1:N identification with one comparison per identity.
/// </summary>
public static class IdentityTemplates
{
    public const string Suffix = "__templates";

    public static string CollectionFor(string collection) => collection + Suffix;

    /// <summary>Templates of all identities in <paramref name="points"/>, ordered by identity.</summary>
    public static IReadOnlyList<FacePoint> Build(IEnumerable<FacePoint> points)
    {
        var builder = new IdentityTemplateBuilder();
        builder.Add(points);
        return builder.Build();
    }

    /// <summary>Builds the templates and writes them to the templates collection beside <paramref name="collection"/>.</summary>
    public static async Task<IReadOnlyList<FacePoint>> PublishAsync(
        IVectorIndex index, string collection, IEnumerable<FacePoint> points, CancellationToken ct = default)
    {
        var templates = Build(points);
        if (templates.Count == 0) return templates;
        await index.CreateCollectionAsync(CollectionFor(collection), templates[0].Vector.Length, ct);
        await index.UpsertAsync(CollectionFor(collection), templates, ct);
        return templates;
    }
}

/// <summary>Accumulates per-identity sums batch by batch (so an indexer can stream shards through it).</summary>
public sealed class IdentityTemplateBuilder
{
    private readonly Dictionary<string, Accumulator> _byIdentity = new(StringComparer.Ordinal);
    private string? _model;
    private int _dimension;

    public void Add(IEnumerable<FacePoint> points)
    {
        foreach (var p in points)
        {
            _model ??= p.Payload.ModelId;
            if (p.Payload.ModelId != _model)
                throw new ArgumentException($"{p.Id}: templates mix models '{_model}' and '{p.Payload.ModelId}'");
            if (_dimension == 0) _dimension = p.Vector.Length;
            if (p.Vector.Length != _dimension)
                throw new ArgumentException($"{p.Id}: vector has {p.Vector.Length} dimensions, others have {_dimension}");
            if (!_byIdentity.TryGetValue(p.Payload.Identity, out var acc))
                _byIdentity[p.Payload.Identity] = acc = new Accumulator(_dimension, p.Payload.DatasetId);
            acc.Add(VectorMath.Normalized(p.Vector, p.Id), p.Payload.DatasetId);
        }
    }

    /// <summary>
    /// One point per identity: id and Identity are the identity, DatasetId is the common dataset (or
    /// empty if the identity spans several), SamplePath says how many samples were averaged.
    /// </summary>
    public IReadOnlyList<FacePoint> Build() =>
        _byIdentity.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new FacePoint(
                kv.Key,
                VectorMath.Normalized(kv.Value.Sum, $"template {kv.Key}"),
                new FacePayload(kv.Key, kv.Value.DatasetId ?? "", _model!, $"mean of {kv.Value.Count}")))
            .ToList();

    private sealed class Accumulator(int dimension, string datasetId)
    {
        public float[] Sum { get; } = new float[dimension];
        public int Count { get; private set; }
        public string? DatasetId { get; private set; } = datasetId;

        public void Add(ReadOnlySpan<float> unit, string datasetId)
        {
            TensorPrimitives.Add(Sum, unit, Sum);
            Count++;
            if (DatasetId != datasetId) DatasetId = null;
        }
    }
}
