namespace Pipeline.Infra.Blobs;

internal static class Seekable
{
    /// <summary>The stream itself when it can rewind (for retries), else a buffered copy the caller disposes.</summary>
    public static async Task<Stream> EnsureAsync(Stream content, CancellationToken ct)
    {
        if (content.CanSeek) return content;
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return buffer;
    }
}
