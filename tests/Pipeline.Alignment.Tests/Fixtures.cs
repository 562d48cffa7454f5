using System.Text.Json;

namespace Pipeline.Alignment.Tests;

/// <summary>The committed golden files of fixtures/ (each written by the Python script beside it).</summary>
internal static class Fixtures
{
    public static JsonElement Load(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", name))).RootElement;

    public static PointF[] Points(JsonElement array) =>
        [.. array.EnumerateArray().Select(p => new PointF(p[0].GetSingle(), p[1].GetSingle()))];
}
