namespace Pipeline.VectorIndex;

/// <summary>Payload equality filter; a null field matches anything, set fields must all match.</summary>
public sealed record FaceFilter(string? Identity = null, string? DatasetId = null, string? ModelId = null)
{
    public bool IsEmpty => Identity is null && DatasetId is null && ModelId is null;

    public bool Matches(FacePayload payload) =>
        (Identity is null || Identity == payload.Identity)
        && (DatasetId is null || DatasetId == payload.DatasetId)
        && (ModelId is null || ModelId == payload.ModelId);
}
