namespace Pipeline.VectorIndex;

/// <summary>One search hit; <paramref name="Score"/> is the cosine similarity in [-1, 1].</summary>
public sealed record FaceMatch(string Id, float Score, FacePayload Payload);
