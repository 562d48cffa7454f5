using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pipeline.Datasets;

/// <summary>
/// What a file's bytes are known by: the first 128 bits of their SHA-256. The packer drops a second file with the same
/// hash as a duplicate, and caches of what was found in a photo (its faces) are keyed by it.
/// </summary>
public static class ContentHashes
{
    public static UInt128 Of(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }
}
