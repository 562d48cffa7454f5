using System.Collections.Concurrent;
using Grpc.Core;
using Polly;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace Pipeline.VectorIndex.Qdrant;

/// <summary>
/// The scale-out index: a Qdrant server over gRPC. Collections use cosine distance with keyword
/// payload indexes on identity, dataset, model and the original id; a quantised collection gets Qdrant's int8
/// scalar quantisation and is searched with re-scoring of oversampled candidates; writes go in batches, each
/// through the resilience pipeline; aliases switch with one atomic UpdateAliases call.
/// </summary>
public sealed class QdrantVectorIndex : IVectorIndex
{
    private const int SearchBatchSize = 64;

    private readonly QdrantClient _client;
    private readonly ResiliencePipeline _resilience;
    private readonly int _upsertBatchSize;
    private readonly bool _ownsClient;
    private readonly bool _exactSearch;
    private readonly ConcurrentDictionary<string, (int Dimension, VectorQuantization Quantization)> _settings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _checkedModel = new(StringComparer.Ordinal);

    /// <param name="exactSearch">Bypass HNSW and scan (exact, slow): for tests and recall baselines.</param>
    public QdrantVectorIndex(
        QdrantClient client, ResiliencePipeline? resilience = null, int upsertBatchSize = 256, bool ownsClient = false, bool exactSearch = false)
    {
        _exactSearch = exactSearch;
        ArgumentOutOfRangeException.ThrowIfLessThan(upsertBatchSize, 1);
        _client = client;
        _resilience = resilience ?? QdrantResilience.Default();
        _upsertBatchSize = upsertBatchSize;
        _ownsClient = ownsClient;
    }

    /// <summary>Connects to a gRPC endpoint such as <c>http://localhost:6334</c>.</summary>
    public static QdrantVectorIndex Connect(Uri grpcAddress, string? apiKey = null, ResiliencePipeline? resilience = null, bool exactSearch = false) =>
        new(new QdrantClient(grpcAddress, apiKey), resilience, ownsClient: true, exactSearch: exactSearch);

    public Task CreateCollectionAsync(string name, int dimension, CancellationToken ct = default) =>
        CreateCollectionAsync(name, dimension, VectorQuantization.None, ct);

    public async Task CreateCollectionAsync(string name, int dimension, VectorQuantization quantization, CancellationToken ct = default)
    {
        CollectionNames.Validate(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!Enum.IsDefined(quantization)) throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "unknown quantisation");
        if ((await ListAliasesAsync(ct)).ContainsKey(name))
            throw new ArgumentException($"{name}: already an alias, cannot also be a collection");
        if (!await Call(c => _client.CollectionExistsAsync(name, c), ct))
        {
            try
            {
                await Call(c => _client.CreateCollectionAsync(name, new VectorParams { Size = (ulong)dimension, Distance = Distance.Cosine },
                    quantizationConfig: QuantizationConfigFor(quantization), cancellationToken: c), ct);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.AlreadyExists or StatusCode.InvalidArgument)
            {
                // Created by a concurrent caller (or by our own retried attempt)? Otherwise a real error.
                if (!await Call(c => _client.CollectionExistsAsync(name, c), ct)) throw;
            }
            foreach (var key in QdrantPayload.Indexed)
                await Call(c => _client.CreatePayloadIndexAsync(name, key, PayloadSchemaType.Keyword, cancellationToken: c), ct);
        }
        var existing = await SettingsOf(name, ct);
        if (existing.Dimension != dimension)
            throw new ArgumentException($"{name}: exists with dimension {existing.Dimension}, asked for {dimension}");
        if (existing.Quantization != quantization)
            throw new ArgumentException($"{name}: exists with quantisation {existing.Quantization}, asked for {quantization}");
    }

    public async Task<VectorQuantization> QuantizationAsync(string target, CancellationToken ct = default) =>
        (await SettingsOf(await ResolveTarget(target, ct), ct)).Quantization;

    public async Task UpsertAsync(string collection, IReadOnlyList<FacePoint> points, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        var dimension = await DimensionOf(collection, ct);
        var model = VectorMath.ValidateBatch(collection, points, dimension);
        if (model is null) return;
        await EnsureSingleModel(collection, model, ct);
        for (var start = 0; start < points.Count; start += _upsertBatchSize)
        {
            var batch = new List<PointStruct>(Math.Min(_upsertBatchSize, points.Count - start));
            for (var i = start; i < Math.Min(start + _upsertBatchSize, points.Count); i++)
                batch.Add(QdrantPayload.ToPoint(points[i], VectorMath.Normalized(points[i].Vector, $"{collection}/{points[i].Id}")));
            await Call(c => _client.UpsertAsync(collection, batch, wait: true, cancellationToken: c), ct);
        }
    }

    public async Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await DimensionOf(collection, ct); // a missing collection is an error, as in the embedded index
        for (var start = 0; start < ids.Count; start += _upsertBatchSize)
        {
            var batch = ids.Skip(start).Take(_upsertBatchSize).Select(QdrantPointIds.ToUuid).ToList();
            await Call(c => _client.DeleteAsync(collection, batch, wait: true, cancellationToken: c), ct);
        }
    }

    public async Task<long> CountAsync(string target, FaceFilter? filter = null, CancellationToken ct = default)
    {
        var collection = await ResolveTarget(target, ct);
        return (long)await Call(c => _client.CountAsync(collection, QdrantPayload.ToFilter(filter), exact: true, cancellationToken: c), ct);
    }

    public async Task<IReadOnlyList<FacePoint>> RetrieveAsync(string target, IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        var collection = await ResolveTarget(target, ct);
        var points = await Call(c => _client.RetrieveAsync(collection, ids.Select(id => (PointId)QdrantPointIds.ToUuid(id)).ToList(),
            withPayload: true, withVectors: true, cancellationToken: c), ct);
        return points.Select(QdrantPayload.ToPoint).ToList();
    }

    public async Task<IReadOnlyList<IReadOnlyList<FaceMatch>>> SearchAsync(
        string target, IReadOnlyList<float[]> queries, int top, FaceFilter? filter = null, CancellationToken ct = default)
    {
        // Resolve once: every query of this call is answered by the same collection even if the alias switches meanwhile.
        var collection = await ResolveTarget(target, ct);
        var settings = await SettingsOf(collection, ct);
        VectorMath.ValidateQueries(queries, top, settings.Dimension, target);
        var searchParams = new SearchParams { Exact = _exactSearch };
        if (settings.Quantization != VectorQuantization.None)
            searchParams.Quantization = new QuantizationSearchParams { Rescore = true, Oversampling = VectorQuantizationDefaults.Oversampling };
        var qdrantFilter = QdrantPayload.ToFilter(filter);
        var results = new List<IReadOnlyList<FaceMatch>>(queries.Count);
        for (var start = 0; start < queries.Count; start += SearchBatchSize)
        {
            var requests = new List<QueryPoints>();
            for (var q = start; q < Math.Min(start + SearchBatchSize, queries.Count); q++)
            {
                var request = new QueryPoints
                {
                    CollectionName = collection,
                    Query = VectorMath.Normalized(queries[q], $"{target}: query {q}"),
                    Limit = (ulong)top,
                    WithPayload = new WithPayloadSelector { Enable = true },
                    Params = searchParams,
                };
                if (qdrantFilter is not null) request.Filter = qdrantFilter;
                requests.Add(request);
            }
            var batch = await Call(c => _client.QueryBatchAsync(collection, requests, cancellationToken: c), ct);
            results.AddRange(batch.Select(r => (IReadOnlyList<FaceMatch>)r.Result.Select(QdrantPayload.ToMatch).ToArray()));
        }
        return results;
    }

    public async Task SetAliasAsync(string alias, string collection, CancellationToken ct = default)
    {
        CollectionNames.Validate(alias, "alias");
        CollectionNames.Validate(collection);
        if (await Call(c => _client.CollectionExistsAsync(alias, c), ct))
            throw new ArgumentException($"{alias}: already a collection, cannot also be an alias");
        if (!await Call(c => _client.CollectionExistsAsync(collection, c), ct))
            throw new KeyNotFoundException($"{collection}: no such collection");
        var operations = new List<AliasOperations>();
        if ((await ListAliasesAsync(ct)).ContainsKey(alias))
            operations.Add(new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = alias } });
        operations.Add(new AliasOperations { CreateAlias = new CreateAlias { AliasName = alias, CollectionName = collection } });
        // One request: Qdrant applies the delete and the create together, so readers never see the alias missing.
        await Call(c => _client.UpdateAliasesAsync(operations, cancellationToken: c), ct);
    }

    public async Task<string?> ResolveAsync(string alias, CancellationToken ct = default)
    {
        CollectionNames.Validate(alias, "alias");
        return (await ListAliasesAsync(ct)).GetValueOrDefault(alias);
    }

    public async Task<IReadOnlyDictionary<string, string>> ListAliasesAsync(CancellationToken ct = default)
    {
        var aliases = await Call(c => _client.ListAliasesAsync(c), ct);
        return aliases.ToDictionary(a => a.AliasName, a => a.CollectionName, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken ct = default) =>
        (await Call(c => _client.ListCollectionsAsync(c), ct)).Order(StringComparer.Ordinal).ToList();

    public async Task DropCollectionAsync(string name, CancellationToken ct = default)
    {
        CollectionNames.Validate(name);
        var aliases = (await ListAliasesAsync(ct)).Where(a => a.Value == name).Select(a => a.Key).ToList();
        if (aliases.Count > 0)
            throw new InvalidOperationException($"{name}: still served by alias {string.Join(", ", aliases)}; switch it first");
        _settings.TryRemove(name, out _);
        _checkedModel.TryRemove(name, out _);
        if (await Call(c => _client.CollectionExistsAsync(name, c), ct))
            await Call(c => _client.DeleteCollectionAsync(name, cancellationToken: c), ct);
    }

    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }

    private async Task<string> ResolveTarget(string target, CancellationToken ct)
    {
        CollectionNames.Validate(target, "collection or alias");
        return (await ListAliasesAsync(ct)).GetValueOrDefault(target) ?? target;
    }

    private async Task<int> DimensionOf(string collection, CancellationToken ct) => (await SettingsOf(collection, ct)).Dimension;

    private async Task<(int Dimension, VectorQuantization Quantization)> SettingsOf(string collection, CancellationToken ct)
    {
        CollectionNames.Validate(collection);
        if (_settings.TryGetValue(collection, out var known)) return known;
        var info = await Call(c => _client.GetCollectionInfoAsync(collection, c), ct);
        var settings = ((int)info.Config.Params.VectorsConfig.Params.Size,
            info.Config.QuantizationConfig?.Scalar?.Type == QuantizationType.Int8 ? VectorQuantization.Int8 : VectorQuantization.None);
        _settings[collection] = settings;
        return settings;
    }

    /// <summary>Qdrant's int8 scalar quantisation for a quantised collection; null otherwise.</summary>
    private static QuantizationConfig? QuantizationConfigFor(VectorQuantization quantization) => quantization switch
    {
        VectorQuantization.Int8 => new QuantizationConfig
        {
            Scalar = new ScalarQuantization { Type = QuantizationType.Int8 },
        },
        _ => null,
    };

    /// <summary>Refuses points of a second model in a collection (checked once per collection and model).</summary>
    private async Task EnsureSingleModel(string collection, string model, CancellationToken ct)
    {
        if (_checkedModel.TryGetValue(collection, out var known) && known == model) return;
        var others = new Filter();
        others.MustNot.Add(MatchKeyword(QdrantPayload.ModelId, model));
        if (await Call(c => _client.CountAsync(collection, others, exact: true, cancellationToken: c), ct) > 0)
            throw new ArgumentException($"{collection}: holds another model's points, refusing points of model '{model}'");
        _checkedModel[collection] = model;
    }

    private async Task<T> Call<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await _resilience.ExecuteAsync(async c => await call(c), ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new KeyNotFoundException($"qdrant: {e.Status.Detail}", e);
        }
    }

    private async Task Call(Func<CancellationToken, Task> call, CancellationToken ct) =>
        await Call(async c => { await call(c); return true; }, ct);
}
