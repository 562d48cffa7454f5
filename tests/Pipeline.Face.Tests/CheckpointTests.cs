using Pipeline.Face.Training;

namespace Pipeline.Face.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "checkpoint-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_run_whose_loss_turns_NaN_mid_epoch_is_stopped_as_collapsed_not_by_its_checkpoint()
    {
        var data = TinyFaces.Create(classes: 4, perClass: 32);
        // A rate no network survives: the loss goes NaN within the first epoch, between two checkpoints.
        var options = new TrainingOptions { Backbone = "tiny", InputSize = 64, Epochs = 2, BatchSize = 16, LearningRate = 1e6, Seed = 3, Device = "cpu", CheckpointEverySteps = 1 };

        var e = Assert.Throws<TrainingCollapsedException>(() => FaceTrainer.Train(data, options, _dir));

        Assert.Contains("loss is NaN", e.Message);
        Assert.True(new CheckpointStore(_dir).Exists);
        Assert.Matches("NaN|Infinity", File.ReadAllText(Directory.GetFiles(_dir, "state.json", SearchOption.AllDirectories).Single()));
    }

    [Fact]
    public void Saving_leaves_one_whole_checkpoint_and_no_temporary_pointer()
    {
        var data = TinyFaces.Create(classes: 4, perClass: 8);
        var options = new TrainingOptions { Backbone = "tiny", InputSize = 64, Epochs = 2, BatchSize = 8, LearningRate = 0.05, Seed = 3, Device = "cpu", CheckpointEverySteps = 1 };

        FaceTrainer.Train(data, options, _dir).Model.Dispose();

        var latest = File.ReadAllText(Path.Combine(_dir, "LATEST")).Trim();
        Assert.Equal([latest], Directory.GetDirectories(_dir).Select(Path.GetFileName));
        Assert.Equal(["backbone.ftns", "head.ftns", "optimizer.ftns", "state.json"], Directory.GetFiles(Path.Combine(_dir, latest)).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(Path.Combine(_dir, "LATEST.tmp")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
