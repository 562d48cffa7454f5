using System.Text.Json;
using Pipeline.Contracts;

namespace Pipeline.Infra.Blobs;

/// <summary>Content of a claim marker blob.</summary>
internal sealed record ClaimMarker(string Owner, DateTimeOffset ClaimedAt, DateTimeOffset ExpiresAt)
{
    public static ClaimMarker Create(string owner, TimeSpan ttl, DateTimeOffset now) =>
        new(owner, now, ttl == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : now + ttl);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, PipelineJson.Options);

    /// <summary>An unreadable marker counts as held forever: never steal what we cannot understand.</summary>
    public static ClaimMarker Parse(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<ClaimMarker>(bytes, PipelineJson.Options) ?? Unknown;
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    private static readonly ClaimMarker Unknown = new("?", DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
}
