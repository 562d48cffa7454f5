namespace Pipeline.VectorIndex;

/// <summary>What a face vector is about: who, from which dataset, embedded by which model.</summary>
public sealed record FacePayload(string Identity, string DatasetId, string ModelId, string? SamplePath = null);
