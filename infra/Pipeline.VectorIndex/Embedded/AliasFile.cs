using System.Text.Json;
using Pipeline.Contracts;

namespace Pipeline.VectorIndex.Embedded;

/// <summary>The alias table, a small JSON object replaced atomically (temp file, fsync, rename).</summary>
internal static class AliasFile
{
    public const string FileName = "aliases.json";

    public static Dictionary<string, string> Load(string root)
    {
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path)) return new(StringComparer.Ordinal);
        try
        {
            var aliases = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(path), PipelineJson.Options);
            return new(aliases ?? [], StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: unreadable alias table ({e.Message})", e);
        }
    }

    public static void Save(string root, IReadOnlyDictionary<string, string> aliases)
    {
        var path = Path.Combine(root, FileName);
        var temp = path + CollectionLog.TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, aliases, PipelineJson.Options);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
