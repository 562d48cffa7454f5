using System.Security.Cryptography;
using System.Text;

namespace Pipeline.VectorIndex.Qdrant;

/// <summary>
/// Qdrant accepts only UUID or integer point ids: a string id maps to a name-based UUID (RFC 4122
/// version 5, SHA-1) so the same id always lands on the same point and re-upserts replace it.
/// The original string travels in the payload.
/// </summary>
public static class QdrantPointIds
{
    /// <summary>Namespace UUID of this index's point ids (fixed forever: changing it re-keys every point).</summary>
    public static readonly Guid Namespace = new("6f1c3c56-3a4e-4d4b-9a0e-5a2f0c1d7e11");

    public static Guid ToUuid(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var name = Encoding.UTF8.GetBytes(id);
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
