using Pipeline.Contracts;
using Pipeline.Trainer;

namespace Pipeline.SystemTests;

public class PlanOptionsTests
{
    private static TrainModel Job(RunPlan plan, string stage, int k) =>
        new("r-1", plan, stage, new DatasetRef("d", "datasets/d/manifest.json"), k, DateTimeOffset.UtcNow);

    [Fact]
    public void The_baseline_trains_at_its_own_learning_rate_and_every_other_stage_at_the_plans()
    {
        var plan = RunPlan.Default with { LearningRate = 0.025, BaselineLearningRate = 0.0125, Epochs = 7, FinalEpochs = 4 };
        Assert.Equal(0.0125, PlanOptions.For(Job(plan, Stages.Baseline, 1), 0).EffectiveLearningRate);
        Assert.Equal(0.025, PlanOptions.For(Job(plan, Stages.SubCenter, 3), 0).EffectiveLearningRate);
        Assert.Equal(0.025, PlanOptions.For(Job(plan, Stages.Final, 1), 0).EffectiveLearningRate);
        Assert.Equal(4, PlanOptions.For(Job(plan, Stages.Final, 1), 0).Epochs);
        Assert.Equal(7, PlanOptions.For(Job(plan, Stages.Baseline, 1), 0).Epochs);
    }

    [Fact]
    public void The_sub_center_stage_stops_half_way_down_its_decay_unless_the_plan_says_otherwise()
    {
        var plan = RunPlan.Default with { Epochs = 10 };
        Assert.Equal(20, PlanOptions.For(Job(plan, Stages.SubCenter, 3), 0).DecayEpochs);
        Assert.Null(PlanOptions.For(Job(plan, Stages.Final, 1), 0).DecayEpochs);
        Assert.Null(PlanOptions.For(Job(plan, Stages.Baseline, 1), 0).DecayEpochs);
        Assert.Equal(10, PlanOptions.For(Job(plan with { SubCenterDecayEpochs = 10 }, Stages.SubCenter, 3), 0).DecayEpochs);
    }

    [Fact]
    public void Only_the_sub_center_stage_purifies_itself_while_it_trains()
    {
        var plan = RunPlan.Default with { Epochs = 10 };
        Assert.Equal(5, PlanOptions.For(Job(plan, Stages.SubCenter, 3), 0).SelfPurifyFrom);
        Assert.Equal(3, PlanOptions.For(Job(plan with { SubCenterSelfPurifyFrom = 3 }, Stages.SubCenter, 3), 0).SelfPurifyFrom);
        Assert.Equal(0, PlanOptions.For(Job(plan, Stages.Final, 1), 0).SelfPurifyFrom);
        Assert.Equal(0, PlanOptions.For(Job(plan, Stages.Baseline, 1), 0).SelfPurifyFrom);
        Assert.Equal(0, PlanOptions.For(Job(plan with { SubCenterSelfPurifyFrom = 0 }, Stages.SubCenter, 3), 0).SelfPurifyFrom);
    }

    [Fact]
    public void Without_a_baseline_rate_the_baseline_trains_like_the_other_stages()
    {
        var plan = RunPlan.Default with { LearningRate = 0.04 };
        Assert.Equal(0.04, PlanOptions.For(Job(plan, Stages.Baseline, 1), 0).EffectiveLearningRate);
        Assert.Equal(0.1 * 64 / 512, PlanOptions.For(Job(RunPlan.Default, Stages.Baseline, 1), 0).EffectiveLearningRate);
    }

    [Fact]
    public void The_purifier_scores_by_class_margin_unless_a_fixed_angle_asks_for_the_papers_rule_or_the_plan_names_a_score()
    {
        Assert.Equal(DropScores.ClassMargin, RunPlan.Default.EffectiveDropScore);
        Assert.Equal(DropScores.SubCenter, (RunPlan.Default with { DropRule = DropRules.Angle }).EffectiveDropScore);
        Assert.Equal(DropScores.ClassMean, (RunPlan.Default with { DropRule = DropRules.Angle, DropScore = DropScores.ClassMean }).EffectiveDropScore);
        Assert.Equal(DropScores.SubCenter, (RunPlan.Default with { DropScore = DropScores.SubCenter }).EffectiveDropScore);
    }
}
