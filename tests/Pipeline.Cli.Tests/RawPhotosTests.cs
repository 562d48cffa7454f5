using System.Text.Json;
using Pipeline.Datasets;

namespace Pipeline.Cli.Tests;

/// <summary>
/// `pipeline run` on a folder of raw photos (people anywhere on a larger scene, one photo without anyone): faces are
/// detected and aligned at ingest by default, the photo without a face is quarantined as no-face, and the run completes.
/// </summary>
public sealed class RawPhotosTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-raw-").FullName;

    [Fact]
    public void A_run_on_raw_photos_aligns_the_faces_and_quarantines_a_photo_without_one()
    {
        var rng = new Random(3);
        for (int id = 0; id < 4; id++)
            for (int k = 0; k < 8; k++)
            {
                float size = rng.Next(150, 230), cx = rng.Next(120, 330), cy = rng.Next(130, 380);
                var path = Path.Combine(_dir, "photos", $"p{id}", $"{k}.jpg");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, SyntheticPhoto.Render(450, 520, [new FacePlacement(id, cx, cy, size)], seed: 100 * id + k, difficulty: 0.3));
            }
        File.WriteAllBytes(Path.Combine(_dir, "photos", "p0", "empty.jpg"), SyntheticPhoto.Render(450, 520, [], seed: 9));

        var env = new Dictionary<string, string> { ["PIPELINE_CACHE"] = Path.Combine(_dir, "cache") };
        var run = Cli.Run(env, "run", "--data", Path.Combine(_dir, "photos"), "--root", Path.Combine(_dir, "root"),
            "--epochs", "1", "--final-epochs", "1", "--batch-size", "8", "--json");

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(1, run.GetProperty("quarantined").GetInt32());
        var datasetId = run.GetProperty("datasetId").GetString()!;
        var quarantine = Path.Combine(_dir, "root", "blobs", "datasets", datasetId, DatasetFiles.Quarantine);
        using var q = JsonDocument.Parse(File.ReadAllText(quarantine));
        var entry = Assert.Single(q.RootElement.EnumerateArray());
        Assert.EndsWith("empty.jpg", entry.GetProperty("path").GetString());
        Assert.StartsWith(QuarantineReasons.NoFace, entry.GetProperty("reason").GetString());
        Assert.Equal(32, run.GetProperty("samples").GetInt32());
        Assert.Equal(1, run.GetProperty("quarantinedByReason").GetProperty(QuarantineReasons.NoFace).GetInt32());
        // Each photo's faces are kept in the artifact store, for the next drop of the same photos.
        Assert.Equal(33, Directory.GetFiles(Path.Combine(_dir, "root", "blobs", "cache", "detections"), "*", SearchOption.AllDirectories).Length);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
