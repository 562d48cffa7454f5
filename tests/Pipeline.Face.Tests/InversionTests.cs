using Pipeline.Face.Embedding;
using Pipeline.Face.Inversion;
using Pipeline.Face.Models;
using Pipeline.Face.Training;
using static TorchSharp.torch;

namespace Pipeline.Face.Tests;

public class InversionTests : IClassFixture<InversionTests.Models>
{
    /// <summary>Two models of the same six identities, trained apart (different seeds): one inverts, the other checks.</summary>
    public sealed class Models : IDisposable
    {
        public Pipeline.Datasets.ImageSet Data { get; } = TinyFaces.Create(classes: 6, perClass: 16, seed: 2);
        public FaceModel Generator { get; }
        public FaceModel Checker { get; }

        public Models()
        {
            var options = new TrainingOptions { Backbone = "tiny", InputSize = 64, Epochs = 3, BatchSize = 32, LearningRate = 0.05, Device = "cpu", WarmupEpochs = 0.5 };
            Generator = FaceTrainer.Train(Data, options).Model;
            Checker = FaceTrainer.Train(Data, options with { Seed = 11, SubCenters = 1 }).Model;
        }

        public void Dispose() { Generator.Dispose(); Checker.Dispose(); Data.Dispose(); }
    }

    private readonly Models _m;
    public InversionTests(Models m) => _m = m;

    [Fact]
    public void Pixels_optimised_from_noise_reach_the_target_embedding_and_match_the_bn_statistics()
    {
        var target = new Embedder(_m.Generator).Embed(_m.Data, [5]);

        var result = FaceInverter.ToEmbedding(_m.Generator, target, new InversionOptions { Steps = 80, Batch = 2, Seed = 3 });

        Assert.Equal(2 * 64 * 64 * 3, result.Pixels.Length);
        Assert.True(result.Cosine.Min() > 0.6, $"cosine to the target {string.Join(", ", result.Cosine)} (start {result.InitialCosine:F3})");
        Assert.True(result.Cosine.Min() > result.InitialCosine + 0.3, $"start {result.InitialCosine:F3}, end {result.Cosine.Min():F3}");
        Assert.True(result.Final.BnPrior < result.Initial.BnPrior / 2, $"BN prior {result.Initial.BnPrior:F2} -> {result.Final.BnPrior:F2}");
        // The synthesised image itself, re-embedded the standard way, is recognised as the target.
        var set = new Pipeline.Datasets.ImageSet(64, result.Pixels[..(64 * 64 * 3)], [0], ["inverted"], ["x"]);
        double reembedded = Evaluation.Verification.Cosine(new Embedder(_m.Generator).Embed(set), target);
        Assert.True(reembedded > 0.5, $"re-embedded cosine {reembedded:F3}");
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("bn")]
    [InlineData("tv")]
    [InlineData("l2")]
    public void Each_loss_term_optimised_alone_falls(string term)
    {
        var only = new InversionOptions
        {
            Steps = 25, Batch = 2, Seed = 5, LearningRate = 0.05,
            IdentityWeight = term == "identity" ? 1 : 0, BnWeight = term == "bn" ? 1 : 0, TvWeight = term == "tv" ? 1 : 0, L2Weight = term == "l2" ? 1 : 0,
        };
        var r = FaceInverter.ToIdentity(_m.Generator, "id003", only);
        (double before, double after) = term switch
        {
            "identity" => (r.Initial.Identity, r.Final.Identity),
            "bn" => (r.Initial.BnPrior, r.Final.BnPrior),
            "tv" => (r.Initial.TotalVariation, r.Final.TotalVariation),
            _ => (r.Initial.PixelL2, r.Final.PixelL2),
        };
        Assert.True(after < before * 0.8, $"{term}: {before:G4} -> {after:G4}");
    }

    [Fact]
    public void The_bn_prior_has_one_term_per_batchnorm_layer_each_from_that_layers_own_statistics()
    {
        var layers = _m.Generator.Backbone.named_modules().Where(m => m.module is Backbones.BatchNorm).Select(m => m.name).ToList();
        using var images = rand([4, 3, 64, 64], generator: new Generator(3)) * 2 - 1;
        var before = FaceInverter.BnPriorTerms(_m.Generator, images);
        Assert.Equal(layers.Order(), before.Select(t => t.Layer).Order());
        Assert.Equal(layers.Count, before.Count); // each layer once: the backbone runs once

        // Moving one layer's running mean raises that layer's term and leaves every layer before it as it was.
        int k = before.Count / 2;
        var moved = (Backbones.BatchNorm)_m.Generator.Backbone.named_modules().First(m => m.name == before[k].Layer).module;
        using (no_grad()) moved.RunningMean.add_(10.0);
        try
        {
            var after = FaceInverter.BnPriorTerms(_m.Generator, images);
            for (int i = 0; i < k; i++) Assert.Equal(before[i].Value, after[i].Value, 5);
            Assert.True(after[k].Value > before[k].Value + 25 * moved.Features, $"{before[k].Layer}: {before[k].Value:G4} -> {after[k].Value:G4}");
        }
        finally { using (no_grad()) moved.RunningMean.sub_(10.0); }
    }

    [Fact]
    public void A_seed_gives_the_same_faces_and_another_seed_other_faces()
    {
        var o = InversionOptions.Smooth with { Steps = 12, Batch = 2, Seed = 4 };
        var a = FaceInverter.ToIdentity(_m.Generator, "id001", o);
        var b = FaceInverter.ToIdentity(_m.Generator, "id001", o);
        var c = FaceInverter.ToIdentity(_m.Generator, "id001", o with { Seed = 5 });
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Cosine, b.Cosine);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void The_check_cosine_is_the_check_models_own_view_of_the_identity()
    {
        var r = FaceInverter.ToIdentity(_m.Generator, "id002", InversionOptions.Smooth with { Steps = 15, Batch = 2 });
        var check = InversionCheck.ToIdentity(_m.Checker, r, "id002");

        // Recomputed by hand: the checker's embedding of each synthesised face against the checker's class center of id002.
        var set = new Pipeline.Datasets.ImageSet(64, r.Pixels, [0, 0], ["a", "b"], ["x"]);
        var e = new Embedder(_m.Checker).Embed(set);
        using var centers = _m.Checker.Head.NormalisedSubCenters();
        var center = centers[2][0].contiguous().data<float>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(Evaluation.Verification.Cosine(e.AsSpan(i * 512, 512), center), check[i].Cosine, 5);
            var others = Enumerable.Range(0, 6).Where(c => c != 2).Select(c => Evaluation.Verification.Cosine(e.AsSpan(i * 512, 512), centers[c][0].contiguous().data<float>().ToArray()));
            Assert.Equal(1 + others.Count(o => o > check[i].Cosine), check[i].Rank);
        }
        // Not the generating model's figure: the two networks were trained apart.
        Assert.NotEqual(r.Cosine[0], check[0].Cosine, 3);
        Assert.Throws<ArgumentException>(() => InversionCheck.ToIdentity(_m.Checker, r, "nobody"));
    }

    [Fact]
    public void Closed_set_inversion_targets_an_identity_and_refuses_an_unknown_one()
    {
        var result = FaceInverter.ToIdentity(_m.Generator, "id002", new InversionOptions { Steps = 40, Batch = 2 });
        Assert.True(result.Cosine.Min() > result.InitialCosine + 0.2, $"start {result.InitialCosine:F3}, end {result.Cosine.Min():F3}");
        Assert.Throws<ArgumentException>(() => FaceInverter.ToIdentity(_m.Generator, "nobody"));
    }

    [Fact]
    public void Smoothness_is_zero_on_a_flat_image_and_large_on_noise()
    {
        Assert.Equal(0, ImageSmoothness.MeanNeighbourDifference(Enumerable.Repeat((byte)90, 8 * 8 * 3).ToArray(), 1, 8));
        var noise = new byte[16 * 16 * 3];
        new Random(1).NextBytes(noise);
        Assert.InRange(ImageSmoothness.MeanNeighbourDifference(noise, 1, 16), 75, 95); // uniform bytes: E|a - b| = 85
    }
}
