using Pipeline.Contracts;
using Pipeline.Face.Training;

namespace Pipeline.Trainer;

/// <summary>A run's plan as the options of one of its training stages.</summary>
public static class PlanOptions
{
    public static TrainingOptions For(TrainModel job, int checkpointEverySteps) => new()
    {
        Backbone = job.Plan.Backbone,
        InputSize = job.Plan.InputSize,
        Epochs = job.Stage == Stages.Final ? job.Plan.FinalEpochs : job.Plan.Epochs,
        DecayEpochs = job.Stage == Stages.SubCenter ? job.Plan.SubCenterDecayEpochs ?? 2.0 * job.Plan.Epochs : null,
        SelfPurifyFrom = job.Stage == Stages.SubCenter ? job.Plan.SubCenterSelfPurifyFrom ?? job.Plan.Epochs / 2 : 0,
        SelfPurifyWhitened = job.Plan.Whitened,
        BatchSize = job.Plan.BatchSize,
        LearningRate = job.Stage == Stages.Baseline ? job.Plan.BaselineLearningRate ?? job.Plan.LearningRate : job.Plan.LearningRate,
        SubCenters = job.SubCenters,
        Seed = job.Plan.Seed,
        Device = job.Plan.Device,
        CheckpointEverySteps = checkpointEverySteps,
    };
}
