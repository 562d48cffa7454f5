using System.Text.Json;
using Pipeline.TestSupport;
using Pipeline.VectorIndex;
using Pipeline.VectorIndex.Embedded;

namespace Pipeline.Cli.Tests;

/// <summary>`pipeline index repair` on a real embedded index whose log has a corrupt record in the middle.</summary>
public sealed class IndexRepairCommandTests : IDisposable
{
    private const int Dim = 16;
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-index-repair-").FullName;

    [Fact]
    public async Task Check_reports_the_corrupt_record_and_repair_rewrites_the_log_without_it()
    {
        long middle;
        using (var index = new EmbeddedVectorIndex(_root))
        {
            await index.CreateCollectionAsync("faces-m1", Dim);
            await index.UpsertAsync("faces-m1", Points("a"));
            middle = new FileInfo(LogPath).Length + 100;
            await index.UpsertAsync("faces-m1", Points("b"));
            await index.UpsertAsync("faces-m1", Points("c"));
        }
        using (var file = new FileStream(LogPath, FileMode.Open)) // one flipped bit inside the second record
        {
            file.Position = middle;
            var b = file.ReadByte();
            file.Position = middle;
            file.WriteByte((byte)(b ^ 0x01));
        }

        var (code, output, err) = Exec("index", "repair", "--root", _root, "--check", "--json");
        Assert.True(code == 2, $"--check should exit 2 on corrupt records, exited {code}: {err}");
        var checkedOne = Single(output);
        Assert.Equal(1, checkedOne.GetProperty("corruptRegions").GetInt32());
        Assert.False(checkedOne.GetProperty("rewritten").GetBoolean());
        Assert.Equal(20, checkedOne.GetProperty("points").GetInt64());

        (code, output, err) = Exec("index", "repair", "--root", _root, "--json");
        Assert.True(code == 0, err);
        Assert.True(Single(output).GetProperty("rewritten").GetBoolean());

        using (var index = new EmbeddedVectorIndex(_root))
        {
            Assert.Empty(index.Recovery("faces-m1").Corrupt);
            Assert.Equal(20, await index.CountAsync("faces-m1"));
        }
        (code, _, err) = Exec("index", "repair", "--root", _root);
        Assert.Equal(0, code);
        Assert.Contains("no corrupt records", err); // the human summary, on stderr like every verb's
    }

    [Fact]
    public void Repair_has_help_and_names_a_missing_root()
    {
        var (code, output, _) = Exec("index", "repair", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        (code, _, var err) = Exec("index", "repair", "--root", Path.Combine(_root, "nowhere"));
        Assert.Equal(1, code);
        Assert.Contains("nowhere: no such index folder", err);
    }

    private string LogPath => Path.Combine(_root, "faces-m1.fvlog");

    private static List<FacePoint> Points(string prefix)
    {
        var rng = new Random(prefix[0]);
        return Enumerable.Range(0, 10).Select(i => new FacePoint($"{prefix}{i}",
            Enumerable.Range(0, Dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(),
            new FacePayload($"id{i % 3}", "ds", "m1", $"{prefix}/{i}.png"))).ToList();
    }

    private static JsonElement Single(string output)
    {
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("collections").EnumerateArray().Single().Clone();
    }

    private static (int Code, string Out, string Err) Exec(params string[] args)
    {
        var dll = Path.Combine(RepoPaths.Root, "tools", "Pipeline.Cli", "bin", RepoPaths.Configuration, "net10.0", "pipeline.dll");
        return ChildProcess.Run("dotnet", [dll, .. args]);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }
}
