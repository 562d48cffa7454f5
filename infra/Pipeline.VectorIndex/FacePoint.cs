namespace Pipeline.VectorIndex;

/// <summary>One embedding to index. <paramref name="Id"/> is the caller's stable key: upserting the same id replaces the point.</summary>
public sealed record FacePoint(string Id, float[] Vector, FacePayload Payload);
