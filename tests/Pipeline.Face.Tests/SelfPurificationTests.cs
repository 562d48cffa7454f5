using Pipeline.Face.Purification;
using Pipeline.Face.Training;

namespace Pipeline.Face.Tests;

public class SelfPurificationTests
{
    private static TrainingOptions Quick(int epochs) => new()
    {
        Backbone = "tiny", InputSize = 64, Epochs = epochs, BatchSize = 32, LearningRate = 0.05,
        SubCenters = 3, Seed = 3, Device = "cpu", WarmupEpochs = 0.5,
    };

    [Fact]
    public void An_excluded_sample_never_enters_the_epoch_and_the_rest_keep_their_order_and_flips()
    {
        var options = Quick(1);
        var (order, flips) = FaceTrainer.EpochOrder(50, options, epoch: 4);
        int[] excluded = [0, 7, 13, 49];
        var (kept, keptFlips) = FaceTrainer.EpochOrder(50, options, epoch: 4, excluded);

        Assert.Equal(46, kept.Length);
        Assert.DoesNotContain(kept, excluded.Contains);
        var expected = order.Select((s, k) => (s, f: flips[k])).Where(t => !excluded.Contains(t.s)).ToArray();
        Assert.Equal(expected.Select(t => t.s), kept);
        Assert.Equal(expected.Select(t => t.f), keptFlips);
    }

    [Fact]
    public void A_model_trained_on_noisy_labels_leaves_out_mostly_the_mislabelled_samples()
    {
        // 8 classes x 16, the last 4 of every class filed under the next class (25 % closed-set noise).
        var (data, noisy) = TinyFaces.CreateNoisy(classes: 8, perClass: 16, mislabelled: 4, seed: 11);
        using var model = FaceTrainer.Train(data, Quick(epochs: 4)).Model;

        var keep = SelfPurification.Keep(model, data, posterior: 0.9);

        Assert.NotNull(keep);
        int noisyOut = noisy.Where((n, i) => n && !keep[i]).Count(), cleanOut = noisy.Where((n, i) => !n && !keep[i]).Count();
        Assert.True(noisyOut >= 0.75 * noisy.Count(n => n), $"{noisyOut} of {noisy.Count(n => n)} mislabelled samples left out");
        Assert.True(cleanOut <= 0.1 * noisy.Count(n => !n), $"{cleanOut} of {noisy.Count(n => !n)} clean samples left out");

        // Embedded in chunks (as a set too large for one array is), the class means and decisions are the same;
        // batches of another size may move an embedding in its last float bits, so one borderline sample may differ.
        var chunked = SelfPurification.Keep(model, data, posterior: 0.9, chunkSamples: 30);
        Assert.NotNull(chunked);
        Assert.True(keep.Zip(chunked).Count(p => p.First != p.Second) <= 1, "chunked decisions differ");
    }

    [Fact]
    public void Self_purifying_training_trains_later_epochs_on_fewer_samples_and_resumes_exactly()
    {
        var (data, _) = TinyFaces.CreateNoisy(classes: 8, perClass: 16, mislabelled: 4, seed: 11);
        var options = Quick(epochs: 4) with { SelfPurifyFrom = 2, CheckpointEverySteps = 2 };
        var straight = FaceTrainer.Train(data, options);

        var samples = string.Join(" ", straight.History.Select(h => h.Samples));
        Assert.True(straight.History.Take(2).All(h => h.Samples == data.Count), $"samples per epoch: {samples}");
        Assert.True(straight.History.Skip(2).All(h => h.Samples is >= 32 and < 128), $"samples per epoch: {samples}");

        var dir = Path.Combine(Path.GetTempPath(), "selfpurify-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Crash at the last step of epoch 4, past the selections after epochs 2 and 3: the resumed run must train on the same samples.
            Assert.Throws<SimulatedCrash>(() => FaceTrainer.Train(data, options, dir, progress: p =>
            {
                if (p.Epoch == 4 && p.Step == p.StepsPerEpoch) throw new SimulatedCrash();
            }));
            var resumed = FaceTrainer.Train(data, options, dir, resume: true);

            ModelAssert.SameWeights(straight.Model, resumed.Model, "after resume");
            Assert.Equal(straight.History.Select(h => h.Samples), resumed.History.Select(h => h.Samples));
            resumed.Model.Dispose();
        }
        finally
        {
            straight.Model.Dispose();
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private sealed class SimulatedCrash : Exception;
}
