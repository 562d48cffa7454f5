using System.Text;
using System.Text.Json;
using Pipeline.Contracts;

namespace Pipeline.Infra.Blobs;

/// <summary>Convenience reads and writes of small blobs (manifests, reports, plans, metrics).</summary>
public static class BlobStoreExtensions
{
    public static Task<bool> PutBytesAsync(this IBlobStore store, string container, string path, ReadOnlyMemory<byte> bytes,
        bool overwrite = true, CancellationToken ct = default) =>
        store.PutAsync(container, path, new MemoryStream(bytes.ToArray(), writable: false), overwrite, ct);

    public static Task<bool> PutTextAsync(this IBlobStore store, string container, string path, string text,
        bool overwrite = true, CancellationToken ct = default) =>
        store.PutBytesAsync(container, path, Encoding.UTF8.GetBytes(text), overwrite, ct);

    public static Task<bool> PutJsonAsync<T>(this IBlobStore store, string container, string path, T value,
        bool overwrite = true, CancellationToken ct = default) =>
        store.PutBytesAsync(container, path, JsonSerializer.SerializeToUtf8Bytes(value, PipelineJson.Options), overwrite, ct);

    /// <summary>The blob's bytes, or null when it does not exist.</summary>
    public static async Task<byte[]?> GetBytesAsync(this IBlobStore store, string container, string path, CancellationToken ct = default)
    {
        await using var stream = await store.GetAsync(container, path, ct);
        if (stream is null) return null;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    public static async Task<string?> GetTextAsync(this IBlobStore store, string container, string path, CancellationToken ct = default) =>
        await store.GetBytesAsync(container, path, ct) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The blob parsed as JSON (<see cref="PipelineJson"/>), or default when it does not exist.</summary>
    public static async Task<T?> GetJsonAsync<T>(this IBlobStore store, string container, string path, CancellationToken ct = default)
    {
        await using var stream = await store.GetAsync(container, path, ct);
        if (stream is null) return default;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(stream, PipelineJson.Options, ct);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{container}/{path}: not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Copies a blob to a local file (via a temp file, so the file is whole or absent); false when the blob is missing.</summary>
    public static async Task<bool> DownloadToFileAsync(this IBlobStore store, string container, string path, string file, CancellationToken ct = default)
    {
        await using var stream = await store.GetAsync(container, path, ct);
        if (stream is null) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var temp = file + ".part";
        await using (var fs = File.Create(temp))
            await stream.CopyToAsync(fs, ct);
        File.Move(temp, file, overwrite: true);
        return true;
    }

    /// <summary>Uploads a local file.</summary>
    public static async Task<bool> UploadFileAsync(this IBlobStore store, string container, string path, string file,
        bool overwrite = true, CancellationToken ct = default)
    {
        await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        return await store.PutAsync(container, path, fs, overwrite, ct);
    }
}
