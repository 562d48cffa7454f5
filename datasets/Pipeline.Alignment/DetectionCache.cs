using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Datasets;

namespace Pipeline.Alignment;

/// <summary>
/// The faces the detector found in each photo, kept by what they depend on: the photo's bytes (<see cref="ContentHashes"/>),
/// the size it was decoded at and the detector's identity (<see cref="YuNetDetector.Identity"/>), so a photo ingested
/// again (a second drop, a retrain, a resumed ingest) is not detected again. An entry that cannot be read, or fails its
/// checks, is a miss: the photo is detected again and the entry overwritten; a store that fails is never fatal. Thread-safe.
/// </summary>
public sealed class DetectionCache(IDetectionStore store)
{
    private const uint Magic = 0x31434446; // "FDC1", little-endian
    private const int FloatsPerFace = 15, ChecksumBytes = 16, MaxFaces = 4096;

    private long _hits, _misses, _unusable;

    /// <summary>Photos whose faces came from the store.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Photos detected (no usable entry), each then written to the store.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Entries the store held but that did not read or check (corrupt, truncated, another detector's), and store failures.</summary>
    public long Unusable => Interlocked.Read(ref _unusable);

    /// <summary>The photo's faces from the store, else from <paramref name="aligner"/>'s detector (then kept); a photo without a content hash is always detected.</summary>
    public IReadOnlyList<FaceDetection> Faces(FaceAligner aligner, in DecodedPhoto photo)
    {
        if (photo.ContentHash is not { } content) return aligner.Detect(photo.Rgba, photo.Width, photo.Height, photo.RowBytes);
        string identity = aligner.DetectorIdentity, key = Key(identity, content, photo.Width, photo.Height);
        if (TryRead(key) is { } entry)
        {
            if (Decode(entry, identity, photo.Width, photo.Height) is { } kept)
            {
                Interlocked.Increment(ref _hits);
                return kept;
            }
            Interlocked.Increment(ref _unusable);
        }
        Interlocked.Increment(ref _misses);
        var faces = aligner.Detect(photo.Rgba, photo.Width, photo.Height, photo.RowBytes);
        try { store.Write(key, Encode(faces, identity, photo.Width, photo.Height)); }
        catch (Exception e) when (e is not OperationCanceledException) { Interlocked.Increment(ref _unusable); }
        return faces;
    }

    /// <summary>"&lt;detector&gt;/&lt;content&gt;-&lt;width&gt;x&lt;height&gt;": the detector as the first 16 hex digits of its identity's SHA-256.</summary>
    public static string Key(string detectorIdentity, UInt128 content, int width, int height) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(detectorIdentity)))[..16]}/{content:x32}-{width}x{height}";

    private byte[]? TryRead(string key)
    {
        try { return store.Read(key); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.Increment(ref _unusable);
            return null;
        }
    }

    /// <summary>Magic, width, height, identity (length-prefixed UTF-8), face count, 15 floats a face, then the first 16 bytes of the SHA-256 of all before.</summary>
    public static byte[] Encode(IReadOnlyList<FaceDetection> faces, string detectorIdentity, int width, int height)
    {
        var identity = Encoding.UTF8.GetBytes(detectorIdentity);
        int body = 4 + 4 + 4 + 2 + identity.Length + 4 + faces.Count * FloatsPerFace * 4;
        var entry = new byte[body + ChecksumBytes];
        var w = entry.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(w, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(w[4..], width);
        BinaryPrimitives.WriteInt32LittleEndian(w[8..], height);
        BinaryPrimitives.WriteUInt16LittleEndian(w[12..], checked((ushort)identity.Length));
        identity.CopyTo(w[14..]);
        int at = 14 + identity.Length;
        BinaryPrimitives.WriteInt32LittleEndian(w[at..], faces.Count);
        at += 4;
        foreach (var f in faces)
            foreach (var v in Floats(f))
            {
                BinaryPrimitives.WriteSingleLittleEndian(w[at..], v);
                at += 4;
            }
        SHA256.HashData(w[..body])[..ChecksumBytes].CopyTo(w[body..]);
        return entry;
    }

    /// <summary>The faces, or null when the entry is not a whole, intact entry for this detector and decoded size.</summary>
    public static IReadOnlyList<FaceDetection>? Decode(ReadOnlySpan<byte> entry, string detectorIdentity, int width, int height)
    {
        if (entry.Length < 18 + ChecksumBytes) return null;
        var body = entry[..^ChecksumBytes];
        if (!SHA256.HashData(body).AsSpan(0, ChecksumBytes).SequenceEqual(entry[^ChecksumBytes..])) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(body) != Magic
            || BinaryPrimitives.ReadInt32LittleEndian(body[4..]) != width || BinaryPrimitives.ReadInt32LittleEndian(body[8..]) != height) return null;
        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
        if (body.Length < 18 + idLength || Encoding.UTF8.GetString(body.Slice(14, idLength)) != detectorIdentity) return null;
        int at = 14 + idLength, count = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        if (count is < 0 or > MaxFaces || body.Length - at != count * FloatsPerFace * 4) return null;
        var faces = new FaceDetection[count];
        Span<float> v = stackalloc float[FloatsPerFace];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < FloatsPerFace; k++, at += 4)
                if (!float.IsFinite(v[k] = BinaryPrimitives.ReadSingleLittleEndian(body[at..]))) return null;
            var landmarks = new PointF[5];
            for (int p = 0; p < 5; p++) landmarks[p] = new PointF(v[5 + 2 * p], v[6 + 2 * p]);
            faces[i] = new FaceDetection(new RectF(v[0], v[1], v[2], v[3]), v[4], landmarks);
        }
        return faces;
    }

    private static IEnumerable<float> Floats(FaceDetection f)
    {
        yield return f.Box.X;
        yield return f.Box.Y;
        yield return f.Box.Width;
        yield return f.Box.Height;
        yield return f.Score;
        foreach (var p in f.Landmarks)
        {
            yield return p.X;
            yield return p.Y;
        }
    }
}
