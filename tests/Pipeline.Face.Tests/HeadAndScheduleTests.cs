using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using Pipeline.Face.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Tests;

public class HeadAndScheduleTests
{
    [Fact]
    public void Margins_are_found_by_name_and_an_unknown_one_names_the_known_ones()
    {
        Assert.Equal(new MarginSpec(1.0, 0.5, 0.0), MarginSpec.Parse("ArcFace")); // the paper's (m1, m2, m3) = (1, 0.5, 0)
        Assert.Equal(new MarginSpec(1.0, 0.0, 0.35), MarginSpec.Parse("cosface"));
        Assert.Equal(new MarginSpec(1.35, 0.0, 0.0), MarginSpec.Parse("sphereface"));
        Assert.Contains("(arcface|cosface|sphereface)", Assert.Throws<ArgumentException>(() => MarginSpec.Parse("adaface")).Message);
    }

    [Fact]
    public void Partial_fc_keeps_every_positive_and_remaps_labels_to_their_own_centers()
    {
        // Draws from the process-wide generator: under the models' construction lock, so a seeded model built
        // by a test running beside this one keeps its initial weights.
        var (head, emb) = FaceModel.WithProcessGenerator(() =>
        {
            manual_seed(11);
            return (new MarginHead(16, classes: 100, subCenters: 3, MarginSpec.ArcFace, partialFcRate: 0.1), randn(4, 16));
        });
        var labels = tensor(new long[] { 3, 97, 3, 50 });
        var (logits, remapped, cos) = head.Logits(emb, labels);
        Assert.Equal(10, logits.shape[1]); // 3 positives + sampled negatives = 10% of 100
        var full = head.ClassCosines(emb);
        var expected = full.gather(1, labels.unsqueeze(1));
        var actual = cos.gather(1, remapped.unsqueeze(1));
        Assert.True(expected.allclose(actual, 1e-6, 1e-6));
    }

    [Fact]
    public void Sub_center_cosine_is_the_best_of_the_class_sub_centers()
    {
        var head = FaceModel.WithProcessGenerator(() => new MarginHead(2, classes: 2, subCenters: 2, MarginSpec.ArcFace));
        using (no_grad()) head.Weight.copy_(tensor(new float[] { 1, 0, 0, 1, -1, 0, 0, -1 }).view(4, 2));
        var cos = head.ClassCosines(tensor(new float[] { 0, 2 }).view(1, 2));
        Assert.Equal(new float[] { 1, 0 }, cos.data<float>().ToArray());
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_polynomially_to_zero()
    {
        var s = new LearningRateSchedule(0.1, WarmupSteps: 10, TotalSteps: 110, Power: 2);
        Assert.Equal(0.01, s.At(0), 12);
        Assert.Equal(0.1, s.At(9), 12);
        Assert.Equal(0.1, s.At(10), 12);
        Assert.Equal(0.1 * 0.25, s.At(60), 12);
        Assert.Equal(0.0, s.At(110), 12);
    }
}
