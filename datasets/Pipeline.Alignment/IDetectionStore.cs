namespace Pipeline.Alignment;

/// <summary>Where a <see cref="DetectionCache"/> keeps its entries: small byte blobs by a '/'-separated key. Called from several threads at once.</summary>
public interface IDetectionStore
{
    /// <summary>The entry, or null when there is none.</summary>
    byte[]? Read(string key);

    /// <summary>Writes or replaces the entry; a reader sees the old entry or the new one, never part of one.</summary>
    void Write(string key, byte[] entry);
}
