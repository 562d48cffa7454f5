using Pipeline.Contracts;
using Pipeline.Face;
using Pipeline.Face.Backbones;
using Pipeline.VectorIndex;

namespace Pipeline.Trainer.Tests;

/// <summary>The values <see cref="RunPlan.Validate"/> accepts are the ones the trainer and the index take: a plan it passes never fails there.</summary>
public sealed class PlanValuesTests
{
    [Fact]
    public void The_plan_names_exactly_the_backbones_the_trainer_builds()
    {
        Assert.Equal(BackboneSpec.Depths.Keys.Order(), RunPlan.Backbones.Order());
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(96)]
    [InlineData(112)]
    [InlineData(128)]
    public void The_plan_takes_an_input_size_when_the_backbone_does(int size)
    {
        bool builds;
        try { builds = BackboneSpec.Create("tiny", size) is not null; }
        catch (ArgumentException) { builds = false; }
        Assert.Equal(builds, (RunPlan.Default with { InputSize = size }).Validate().Count == 0);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("CPU")]
    [InlineData("cuda")]
    [InlineData("gpu")]
    [InlineData("mps")]
    public void The_plan_takes_a_device_when_the_runtime_knows_it(string device)
    {
        bool known;
        try { known = TorchRuntime.ResolveDevice(device) is not null; }
        catch (ArgumentException) { known = false; }
        catch (InvalidOperationException) { known = true; } // cuda on a machine without it: a known device, absent here
        Assert.Equal(known, (RunPlan.Default with { Device = device }).Validate().Count == 0);
    }

    [Theory]
    [InlineData("faces")]
    [InlineData("celebs_v2.1")]
    [InlineData("my faces")]
    [InlineData("-faces")]
    [InlineData("a..b")]
    [InlineData("faces\n")]
    [InlineData("")]
    public void The_plan_takes_an_index_alias_when_the_index_does(string alias)
    {
        bool valid;
        try { CollectionNames.Validate(alias, "alias"); valid = true; }
        catch (ArgumentException) { valid = false; }
        Assert.Equal(valid, (RunPlan.Default with { IndexAlias = alias }).Validate().Count == 0);
    }
}
