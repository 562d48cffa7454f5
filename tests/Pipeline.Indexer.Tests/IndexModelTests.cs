using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Face.Backbones;
using Pipeline.Face.Embedding;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using Pipeline.Infra.Blobs;
using Pipeline.Interop;
using Pipeline.Interop.Onnx;
using SkiaSharp;
using static TorchSharp.torch;

namespace Pipeline.Indexer.Tests;

/// <summary>
/// A plan naming an ONNX recognition model (<see cref="RunPlan.IndexModel"/>): the hosted Indexer embeds the run's
/// collection with it by ONNX Runtime, not with the run's final model, and a search by image embeds its query with it too.
/// </summary>
[Collection(IndexerCollection.Name)]
public sealed class IndexModelTests(IndexerFixture fixture)
{
    private IndexerHost Host => fixture.Host;

    /// <summary>A tiny model other than the run's final model (seed 2, the host's is seed 1), exported as ONNX.</summary>
    private static string ExportOther(string dir)
    {
        var file = Path.Combine(dir, "user-model.onnx");
        var info = new ModelInfo(BackboneSpec.Create("tiny", IndexerHost.InputSize), 1, MarginSpec.ArcFace, ["a", "b"], null, DateTimeOffset.UnixEpoch);
        using (var model = new FaceModel(info, seed: 2)) OnnxExport.Save(model, file);
        return file;
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static byte[] Png(ReadOnlySpan<byte> rgb, int size)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            int i = (y * size + x) * 3;
            bitmap.SetPixel(x, y, new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]));
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public async Task A_plan_naming_an_onnx_model_indexes_with_its_embeddings_and_a_search_by_image_finds_the_identity()
    {
        const string run = "r-onnx";
        var blobs = Host.App.Services.GetRequiredService<IBlobStore>();
        var store = Host.App.Services.GetRequiredService<ArtifactStore>();
        var bus = Host.App.Services.GetRequiredService<IBus>();
        var probe = new BusProbe<IndexShard>("index-shard", m => m.RunId).Connect(bus);
        var dir = Directory.CreateTempSubdirectory("index-onnx-").FullName;
        try
        {
            var onnx = ExportOther(dir);
            var trained = await IndexShardTests.TrainedAsync(blobs, run, datasetId: "ds-onnx", imageSize: IndexerHost.InputSize);
            var plan = trained.Plan with { IndexModel = IndexModels.ContentPath(onnx), FaceAlignment = FaceAlignments.None };
            await IndexModels.StageAsync(blobs, plan, onnx, default); // as the command line does
            await store.PutJsonAsync(BlobContainers.Models, BlobPaths.RunPlan(run), plan, default); // as the Trainer does

            await bus.Publish(trained with { Plan = plan });
            await probe.HandledAsync(run, 4);

            Assert.Single(probe.Published<IndexPublished>(p => p.RunId == run));
            Assert.True(await blobs.ExistsAsync(BlobContainers.Models, IndexModels.RunCopy(run)), "the run keeps the model that embedded it");
            using var set = await KeepList.LoadAsync(store, trained.TrainedOn);
            float[] expected;
            using (var model = EmbeddingModel.Open(onnx, CPU)) expected = model.Embed(set);
            var ids = set.Paths.Select(p => $"{trained.TrainedOn.DatasetId}/{p}").ToList();
            var points = (await Host.Index.RetrieveAsync(IndexNames.Collection(run), ids)).ToDictionary(p => p.Id);
            var indexed = ids.SelectMany(id => points[id].Vector).ToArray();
            double diff = MaxAbsDiff(expected, indexed);
            Assert.True(diff <= 1e-4, $"indexed vectors differ from ONNX Runtime's embeddings by {diff:E2}");
            using (var final = FaceModel.Load(Path.Combine(Host.BlobRoot, "models", run, "final", "final")))
                Assert.True(MaxAbsDiff(new Embedder(final).Embed(set), indexed) > 0.01, "the run's final model embedded the collection");

            const int k = 7;
            var found = await Host.Search.SearchAsync(new SearchQuery(Png(set.Image(k), set.Size), null, Top: 1, Run: run), default);
            var hit = Assert.Single(found.Matches);
            Assert.Equal(ids[k], hit.Id);
            Assert.Equal(set.Identities[set.Labels[k]], hit.Identity);
            Assert.Equal(1.0, hit.Score, 4); // the query was embedded by the same ONNX model
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_run_whose_index_model_vanished_is_refused_naming_the_file_before_any_shard_embeds()
    {
        const string run = "r-onnx-gone";
        var store = Host.App.Services.GetRequiredService<ArtifactStore>();
        var plan = RunPlan.Default with { IndexModel = "_onnx/gone.onnx" };

        // What IndexPlanner does first with a final model: a permanent error, so the run's index fails with this reason.
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => IndexModels.CopyToRunAsync(store, run, plan, default));
        Assert.Equal("indexModel models/_onnx/gone.onnx: no such blob", e.Message);
        Assert.False(await store.Blobs.ExistsAsync(BlobContainers.Models, IndexModels.RunCopy(run)));
    }

    [Fact]
    public async Task An_index_model_that_is_missing_or_not_onnx_is_refused_naming_the_file()
    {
        var blobs = Host.App.Services.GetRequiredService<IBlobStore>();
        var dir = Directory.CreateTempSubdirectory("index-onnx-bad-").FullName;
        try
        {
            var garbage = Path.Combine(dir, "garbage.onnx");
            File.WriteAllText(garbage, "not a model");
            var plan = RunPlan.Default with { IndexModel = IndexModels.ContentPath(garbage) };
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => IndexModels.StageAsync(blobs, plan, garbage, default));
            Assert.Contains(garbage, e.Message);
            Assert.Contains("not a model ONNX Runtime can load", e.Message);

            var missing = await Assert.ThrowsAsync<InvalidDataException>(() =>
                IndexModels.StageAsync(blobs, RunPlan.Default with { IndexModel = "_onnx/missing.onnx" }, null, default));
            Assert.Contains("models/_onnx/missing.onnx: no such blob", missing.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
