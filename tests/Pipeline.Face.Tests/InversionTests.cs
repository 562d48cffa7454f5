using Pipeline.Face.Embedding;
using Pipeline.Face.Inversion;
using Pipeline.Face.Training;

namespace Pipeline.Face.Tests;

public class InversionTests
{
    [Fact]
    public void Pixels_optimised_from_noise_reach_the_target_embedding_and_match_the_bn_statistics()
    {
        var data = TinyFaces.Create(classes: 6, perClass: 16, seed: 2);
        var options = new TrainingOptions { Backbone = "tiny", InputSize = 64, Epochs = 3, BatchSize = 32, LearningRate = 0.05, Device = "cpu", WarmupEpochs = 0.5 };
        using var model = FaceTrainer.Train(data, options).Model;
        var target = new Embedder(model).Embed(data, [5]);

        var result = FaceInverter.ToEmbedding(model, target, new InversionOptions { Steps = 80, Batch = 2, Seed = 3 });

        Assert.Equal(2 * 64 * 64 * 3, result.Pixels.Length);
        Assert.True(result.Cosine.Min() > 0.6, $"cosine to the target {string.Join(", ", result.Cosine)} (start {result.InitialCosine:F3})");
        Assert.True(result.Cosine.Min() > result.InitialCosine + 0.3, $"start {result.InitialCosine:F3}, end {result.Cosine.Min():F3}");
        Assert.True(result.FinalBnLoss < result.InitialBnLoss / 2, $"BN prior {result.InitialBnLoss:F2} -> {result.FinalBnLoss:F2}");
        // The synthesised image itself, re-embedded the standard way, is recognised as the target.
        var set = new Pipeline.Datasets.ImageSet(64, result.Pixels[..(64 * 64 * 3)], [0], ["inverted"], ["x"]);
        var again = new Embedder(model).Embed(set);
        double reembedded = Evaluation.Verification.Cosine(again, target);
        Assert.True(reembedded > 0.5, $"re-embedded cosine {reembedded:F3}");
    }

    [Fact]
    public void Closed_set_inversion_targets_an_identity_and_refuses_an_unknown_one()
    {
        var data = TinyFaces.Create(classes: 4, perClass: 12, seed: 4);
        using var model = FaceTrainer.Train(data, new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, SubCenters = 3, Device = "cpu", WarmupEpochs = 0.5 }).Model;
        var result = FaceInverter.ToIdentity(model, "id002", new InversionOptions { Steps = 40, Batch = 2 });
        Assert.True(result.Cosine.Min() > result.InitialCosine + 0.2, $"start {result.InitialCosine:F3}, end {result.Cosine.Min():F3}");
        Assert.Throws<ArgumentException>(() => FaceInverter.ToIdentity(model, "nobody"));
    }
}
