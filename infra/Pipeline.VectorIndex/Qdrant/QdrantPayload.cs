using Google.Protobuf.Collections;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace Pipeline.VectorIndex.Qdrant;

/// <summary>Payload keys in Qdrant and the mapping between <see cref="FacePayload"/>/<see cref="FaceFilter"/> and Qdrant types.</summary>
internal static class QdrantPayload
{
    public const string PointId = "point_id";
    public const string Identity = "identity";
    public const string DatasetId = "dataset_id";
    public const string ModelId = "model_id";
    public const string SamplePath = "sample_path";

    /// <summary>Keyword-indexed keys (the filterable ones, plus the original id).</summary>
    public static readonly string[] Indexed = [Identity, DatasetId, ModelId, PointId];

    public static PointStruct ToPoint(FacePoint p, float[] unitVector)
    {
        var point = new PointStruct { Id = QdrantPointIds.ToUuid(p.Id), Vectors = unitVector };
        point.Payload[PointId] = p.Id;
        point.Payload[Identity] = p.Payload.Identity;
        point.Payload[DatasetId] = p.Payload.DatasetId;
        point.Payload[ModelId] = p.Payload.ModelId;
        if (p.Payload.SamplePath is not null) point.Payload[SamplePath] = p.Payload.SamplePath;
        return point;
    }

    public static FaceMatch ToMatch(ScoredPoint p) =>
        new(Text(p.Payload, PointId) ?? p.Id.Uuid, p.Score, ToPayload(p.Payload));

    public static FacePoint ToPoint(RetrievedPoint p) =>
        new(Text(p.Payload, PointId) ?? p.Id.Uuid, p.Vectors.Vector.Dense.Data.ToArray(), ToPayload(p.Payload));

    public static FacePayload ToPayload(MapField<string, Value> payload) =>
        new(Text(payload, Identity) ?? "", Text(payload, DatasetId) ?? "", Text(payload, ModelId) ?? "", Text(payload, SamplePath));

    public static Filter? ToFilter(FaceFilter? filter)
    {
        if (filter is null || filter.IsEmpty) return null;
        var result = new Filter();
        if (filter.Identity is not null) result.Must.Add(MatchKeyword(Identity, filter.Identity));
        if (filter.DatasetId is not null) result.Must.Add(MatchKeyword(DatasetId, filter.DatasetId));
        if (filter.ModelId is not null) result.Must.Add(MatchKeyword(ModelId, filter.ModelId));
        return result;
    }

    private static string? Text(MapField<string, Value> payload, string key) =>
        payload.TryGetValue(key, out var v) && v.KindCase == Value.KindOneofCase.StringValue ? v.StringValue : null;
}
