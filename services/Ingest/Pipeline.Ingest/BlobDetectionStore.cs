using Pipeline.Alignment;
using Pipeline.Infra.Blobs;

namespace Pipeline.Ingest;

/// <summary>
/// The detection cache's entries as blobs under cache/detections/ of the artifact store, so every Ingest instance (local
/// folder or Azure) and every drop share them. Blocking: the packer finds faces on its own worker threads.
/// </summary>
public sealed class BlobDetectionStore(IBlobStore blobs) : IDetectionStore
{
    public byte[]? Read(string key) => blobs.GetBytesAsync(BlobContainers.Cache, BlobPaths.Detections(key)).GetAwaiter().GetResult();

    public void Write(string key, byte[] entry) => blobs.PutBytesAsync(BlobContainers.Cache, BlobPaths.Detections(key), entry).GetAwaiter().GetResult();
}
