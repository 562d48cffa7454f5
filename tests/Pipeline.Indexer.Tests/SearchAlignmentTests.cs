using Pipeline.Alignment;
using Pipeline.Datasets;
using Pipeline.Face.Embedding;
using Pipeline.Face.Models;
using SkiaSharp;

namespace Pipeline.Indexer.Tests;

/// <summary>
/// A query photo is prepared as its collection's ingest prepared the gallery: aligned for a run whose plan aligned faces,
/// the centred square for one that predates alignment, and refused with the detector's reason when it holds no face.
/// </summary>
[Collection(IndexerCollection.Name)]
public sealed class SearchAlignmentTests(IndexerFixture fixture)
{
    private IndexerHost Host => fixture.Host;

    private static readonly byte[] Photo = SyntheticPhoto.Render(500, 600, [new FacePlacement(3, 200, 330, 200)], seed: 5, difficulty: 0);

    /// <summary>What the run's model gives for the photo prepared by ingest's validator with <paramref name="face"/>.</summary>
    private float[] IngestEmbedding(IFaceCrop? face)
    {
        int size = IndexerHost.InputSize;
        var decoded = new ImageValidator(new ValidationOptions { ImageSize = size, FaceCrop = face }).Validate(Photo);
        Assert.True(decoded.IsValid, decoded.Reason);
        using var model = FaceModel.Load(Path.Combine(Host.BlobRoot, "models", IndexerHost.Run, "final", "final"));
        return new Embedder(model).Embed(new ImageSet(size, decoded.Pixels!, [0], ["q"], ["q"]));
    }

    [Fact]
    public async Task A_query_to_an_aligned_run_is_aligned_as_its_ingest_aligned_and_one_to_an_older_run_is_centre_cropped()
    {
        var aligned = await Host.Search.EmbedAsync(IndexerHost.AlignedRun, Photo, default);
        var centred = await Host.Search.EmbedAsync(IndexerHost.Run, Photo, default);

        Assert.Equal(IngestEmbedding(FacePolicy.For(FacePolicy.Auto)), aligned);
        Assert.Equal(IngestEmbedding(null), centred);
        Assert.NotEqual(aligned, centred);
    }

    [Fact]
    public async Task A_query_without_a_face_to_an_aligned_run_is_refused_with_the_detectors_reason()
    {
        using var blank = new SKBitmap(400, 400);
        blank.Erase(new SKColor(90, 100, 110));
        var jpeg = blank.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();

        var e = await Assert.ThrowsAsync<SearchInputException>(() => Host.Search.EmbedAsync(IndexerHost.AlignedRun, jpeg, default));
        Assert.Equal("image: no-face: the detector found no face", e.Message);
    }
}
