using Pipeline.Contracts;
using Pipeline.Face.Models;
using Pipeline.Infra.Blobs;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The most urgent job trains first (the one nearest its run's index), and a running job less urgent than a waiting
/// one yields to it after its current step (a checkpoint written there), then resumes from there to the model it would have made uninterrupted:
/// real training on the Trainer's module.
/// </summary>
public sealed class TrainingPriorityTests : IAsyncLifetime
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pipeline-priority-").FullName;
    private TrainerHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        Directory.Delete(_tmp, recursive: true);
    }

    private static TrainModel Job(string run, string stage) =>
        new(run, RunPlan.Default, stage, new DatasetRef("d", "d/manifest.json"), 1, DateTimeOffset.UtcNow);

    [Fact]
    public async Task The_queue_hands_out_final_then_subcenter_then_baseline_each_in_arrival_order()
    {
        var queue = new TrainingJobQueue();
        var jobs = new[] { Job("a", Stages.Baseline), Job("b", Stages.SubCenter), Job("c", Stages.Final), Job("d", Stages.Baseline), Job("e", Stages.SubCenter) };
        foreach (var j in jobs) Assert.True(queue.Enqueue(j));
        Assert.False(queue.Enqueue(jobs[0] with { RequestedAt = DateTimeOffset.UtcNow.AddSeconds(1) }), "a waiting job is not queued twice");

        Assert.True(queue.HasMoreUrgentThan(Job("x", Stages.SubCenter)));
        Assert.False(queue.HasMoreUrgentThan(Job("x", Stages.Final)));

        var order = new List<string>();
        for (int i = 0; i < jobs.Length; i++) order.Add((await queue.DequeueAsync(default)).Job.RunId);
        Assert.Equal(["c", "b", "e", "a", "d"], order);
        Assert.False(queue.HasMoreUrgentThan(Job("x", Stages.Baseline)));
    }

    [Fact]
    public async Task A_running_baseline_yields_to_a_final_model_and_then_resumes_to_the_same_weights()
    {
        _host = await TrainerHost.StartAsync(_tmp);
        var (dataset, _) = await _host.UploadDatasetAsync(_tmp);
        TrainModel Baseline(string run) => TrainerHost.Job(run, dataset) with { Plan = TrainerHost.Job(run, dataset).Plan with { Epochs = 10 } };

        await _host.Bus.Publish(Baseline("r-alone"));
        var alone = await _host.Outcomes.TrainedAsync();

        await _host.Bus.Publish(Baseline("r-yields"));
        // Once its first checkpoint is written the baseline is training; the final model arrives then.
        var latest = JobPaths.Checkpoint("r-yields", Stages.Baseline) + "LATEST";
        for (var until = DateTime.UtcNow.AddMinutes(2); !await _host.Blobs.ExistsAsync(BlobContainers.Models, latest) && DateTime.UtcNow < until;)
            await Task.Delay(10);
        var final = TrainerHost.Job("r-urgent", dataset) with { Stage = Stages.Final };
        await _host.Bus.Publish(final);

        var first = await _host.Outcomes.TrainedAsync();
        var second = await _host.Outcomes.TrainedAsync();
        Assert.Equal(("r-urgent", Stages.Final), (first.RunId, first.Stage));
        Assert.Equal(("r-yields", Stages.Baseline), (second.RunId, second.Stage));

        using var a = await _host.Store.LoadModelAsync(alone.Model, default);
        using var b = await _host.Store.LoadModelAsync(second.Model, default);
        AssertSameWeights(a, b);
    }

    private static void AssertSameWeights(FaceModel a, FaceModel b)
    {
        var wa = a.Backbone.state_dict().Concat(a.Head.state_dict()).ToList();
        var wb = b.Backbone.state_dict().Concat(b.Head.state_dict()).ToList();
        Assert.Equal(wa.Select(kv => kv.Key), wb.Select(kv => kv.Key));
        foreach (var (x, y) in wa.Zip(wb))
        {
            if (!x.Value.is_floating_point()) continue;
            double diff = (x.Value - y.Value).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"{x.Key}: the resumed model differs from the uninterrupted one by {diff}");
        }
    }
}
