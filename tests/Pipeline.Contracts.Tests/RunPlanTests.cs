using System.Reflection;
using System.Text.Json;

namespace Pipeline.Contracts.Tests;

public sealed class RunPlanTests
{
    /// <summary>Every field away from its default, so a field the round trip loses cannot hide behind its default.</summary>
    private static readonly RunPlan Unusual = new()
    {
        Backbone = "r18", InputSize = 112, Epochs = 7, SubCenterDecayEpochs = 9.5, SubCenterSelfPurifyFrom = 0, BatchSize = 32,
        LearningRate = 0.03, SubCenters = 5, DropRule = DropRules.Angle, DropScore = DropScores.ClassMean, WithinClassWhitening = false,
        DropThreshold = 70.5, FinalEpochs = 4, Seed = 11, Baseline = true, BaselineLearningRate = 0.01, IndexAlias = "celebs", Device = "cpu",
        IndexModel = "_onnx/w600k_r50.onnx",
    };

    [Fact]
    public void The_plan_a_run_writes_reads_back_as_the_same_plan()
    {
        foreach (var plan in new[] { RunPlan.Default, Unusual, RunPlan.Default with { DropNoisePosterior = 0.9 } })
            Assert.Equal(plan, RunPlan.Parse(JsonSerializer.Serialize(plan, PipelineJson.Options), "models/r-1/plan.json"));
        Assert.Equal(Unusual, RunPlan.Parse(Unusual.ToJson(), "plan.json"));
    }

    [Fact]
    public void Derived_values_are_not_written()
    {
        using var doc = JsonDocument.Parse(Unusual.ToJson());
        var written = doc.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.DoesNotContain("effectiveDropScore", written);
        Assert.DoesNotContain("whitened", written);
        Assert.DoesNotContain("dropScoreWhitened", written);
        Assert.Contains("inputSize", written);
        // Everything else is: every settable field that holds a value.
        Assert.Equal(typeof(RunPlan).GetProperties().Count(p => p.CanWrite && p.GetValue(Unusual) is not null), written.Count);
    }

    [Fact]
    public void Every_plan_field_can_be_overridden_under_its_own_name()
    {
        var fields = typeof(RunPlan).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);
        foreach (var field in fields)
        {
            var overridden = typeof(RunPlanOverrides).GetProperty(field.Name);
            Assert.True(overridden is not null, $"RunPlanOverrides has no {field.Name}");
            var type = Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType;
            Assert.Equal(type, Nullable.GetUnderlyingType(overridden.PropertyType) ?? overridden.PropertyType);
        }
        // Each override reaches its field: overriding the default plan with every value of the unusual one gives it.
        var all = JsonSerializer.Deserialize<RunPlanOverrides>(Unusual.ToJson(), PipelineJson.Options)!;
        Assert.Equal(Unusual, all.Apply(RunPlan.Default));
    }

    [Fact]
    public void A_fixed_threshold_written_under_its_former_name_still_reads()
    {
        // Plan files, bus messages and ledger rows from before the field was named dropThreshold.
        const string old = """{ "dropRule": "angle", "dropAngleDegrees": 70 }""";
        Assert.Equal(RunPlan.Default with { DropRule = DropRules.Angle, DropThreshold = 70 }, RunPlan.Parse(old, "drops/d/plan.json"));
        Assert.Equal(70, JsonSerializer.Deserialize<RunPlan>(old, PipelineJson.Options)!.DropThreshold);
        Assert.Equal(RunPlan.Default with { DropRule = DropRules.Angle, DropThreshold = 65 },
            RunPlan.Parse("""{ "dropAngleDegrees": 65 }""", "plan.json")); // alone, it means the fixed rule as before
        Assert.DoesNotContain("dropAngleDegrees", (RunPlan.Default with { DropThreshold = 70 }).ToJson());
    }

    [Fact]
    public void Overrides_change_only_what_they_name()
    {
        Assert.Equal(Unusual with { Epochs = 2 }, new RunPlanOverrides { Epochs = 2 }.Apply(Unusual));
        Assert.Equal(RunPlan.Default, new RunPlanOverrides().Apply(RunPlan.Default));
    }

    [Fact]
    public void A_drop_threshold_alone_means_the_fixed_rule_and_a_baseline_rate_alone_a_baseline()
    {
        Assert.Equal(RunPlan.Default with { DropRule = DropRules.Angle, DropThreshold = 70 }, new RunPlanOverrides { DropThreshold = 70 }.Apply(RunPlan.Default));
        Assert.Equal(DropRules.Auto, new RunPlanOverrides { DropThreshold = 70, DropRule = DropRules.Auto }.Apply(RunPlan.Default).DropRule);
        Assert.Equal(RunPlan.Default with { Baseline = true, BaselineLearningRate = 0.01 }, new RunPlanOverrides { BaselineLearningRate = 0.01 }.Apply(RunPlan.Default));
        Assert.False(new RunPlanOverrides { BaselineLearningRate = 0.01, Baseline = false }.Apply(RunPlan.Default).Baseline);
    }

    [Fact]
    public void The_default_plan_and_the_unusual_one_are_valid()
    {
        Assert.Empty(RunPlan.Default.Validate());
        Assert.Empty(Unusual.Validate());
        Assert.Empty((RunPlan.Default with { InputSize = 112, Backbone = "r100", Device = "CUDA", DropNoisePosterior = 0.5 }).Validate());
    }

    public static TheoryData<RunPlan, string> BadPlans => new()
    {
        { RunPlan.Default with { Backbone = "r99" }, "backbone 'r99': expected one of 'tiny', 'r18', 'r34', 'r50', 'r100'" },
        { RunPlan.Default with { InputSize = 96 }, "inputSize 96: expected 64 or 112" },
        { RunPlan.Default with { Epochs = 0 }, "epochs 0: expected at least 1" },
        { RunPlan.Default with { SubCenterDecayEpochs = 5 }, "subCenterDecayEpochs 5: expected at least the epochs (10)" },
        { RunPlan.Default with { SubCenterSelfPurifyFrom = -1 }, "subCenterSelfPurifyFrom -1: expected 0 (off) or an epoch" },
        { RunPlan.Default with { BatchSize = 1 }, "batchSize 1: expected at least 2 (batch normalisation needs a batch)" },
        { RunPlan.Default with { LearningRate = 0 }, "learningRate 0: expected a positive rate" },
        { RunPlan.Default with { LearningRate = double.NaN }, "learningRate NaN: expected a positive rate" },
        { RunPlan.Default with { SubCenters = 0 }, "subCenters 0: expected at least 1" },
        { RunPlan.Default with { DropRule = "sometimes" }, "dropRule 'sometimes': expected 'angle' or 'auto'" },
        { RunPlan.Default with { DropScore = "nearest" }, "dropScore 'nearest': expected one of 'subcenter', 'class-mean', 'class-margin'" },
        { RunPlan.Default with { DropNoisePosterior = 1 }, "dropNoisePosterior 1: expected between 0 and 1 (exclusive)" },
        { RunPlan.Default with { DropNoisePosterior = 0.9, DropRule = DropRules.Angle }, "dropNoisePosterior moves the automatic threshold: it does not go with dropRule 'angle'" },
        { RunPlan.Default with { DropThreshold = 190 }, "dropThreshold 190: expected between 0 and 180 (exclusive)" },
        { RunPlan.Default with { FinalEpochs = -1 }, "finalEpochs -1: expected at least 1" },
        { RunPlan.Default with { BaselineLearningRate = -0.1 }, "baselineLearningRate -0.1: expected a positive rate" },
        { RunPlan.Default with { IndexAlias = "my faces" }, "indexAlias 'my faces': expected 1-128 of [A-Za-z0-9_.-], starting with a letter or digit" },
        { RunPlan.Default with { IndexAlias = "a..b" }, "indexAlias 'a..b': expected 1-128 of [A-Za-z0-9_.-], starting with a letter or digit" },
        { RunPlan.Default with { IndexModel = "../r50.onnx" }, "indexModel '../r50.onnx': expected the path of an .onnx file in the models container (relative, '/'-separated, no '..')" },
        { RunPlan.Default with { IndexModel = "r50/backbone.pth" }, "indexModel 'r50/backbone.pth': expected the path of an .onnx file in the models container (relative, '/'-separated, no '..')" },
        { RunPlan.Default with { Device = "tpu" }, "device 'tpu': expected one of 'auto', 'cpu', 'cuda'" },
    };

    [Theory]
    [MemberData(nameof(BadPlans))]
    public void A_bad_value_is_a_problem_naming_its_field(RunPlan plan, string expected)
    {
        var problem = Assert.Single(plan.Validate());
        Assert.Equal(expected, problem.Message);
        Assert.StartsWith(problem.Field + " ", expected);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var plan = RunPlan.Default with { Epochs = 0, BatchSize = 0, Backbone = "big", DropScore = "x" };
        Assert.Equal(["backbone", "epochs", "batchSize", "dropScore"], plan.Validate().Select(p => p.Field));
        var e = Assert.Throws<ArgumentException>(() => plan.Validated("--plan p.json"));
        Assert.Equal("--plan p.json: backbone 'big': expected one of 'tiny', 'r18', 'r34', 'r50', 'r100'; epochs 0: expected at least 1; "
            + "batchSize 0: expected at least 2 (batch normalisation needs a batch); dropScore 'x': expected one of 'subcenter', 'class-mean', 'class-margin'", e.Message);
    }

    [Fact]
    public void A_plan_file_is_its_fields_over_the_default_plan_in_camel_or_pascal_case()
    {
        Assert.Equal(RunPlan.Default with { Epochs = 4, Backbone = "r50" }, RunPlan.Parse("""{ "Epochs": 4, "backbone": "r50", /* ok */ }""", "p"));
        Assert.Equal(RunPlan.Default, RunPlan.Parse("{}", "p"));
    }

    [Theory]
    [InlineData("""{ "epochz": 4 }""", "drops/x/plan.json: not a valid run plan: ", "epochz")]
    [InlineData("""{ "epochs": "many" }""", "drops/x/plan.json: not a valid run plan: ", "epochs")]
    [InlineData("{", "drops/x/plan.json: not a valid run plan: ", "")]
    [InlineData("null", "drops/x/plan.json: empty plan (null)", "")]
    [InlineData("""{ "epochs": 0, "inputSize": 128 }""", "drops/x/plan.json: inputSize 128: expected 64 or 112; epochs 0: expected at least 1", "")]
    public void A_bad_plan_file_is_refused_naming_the_file_and_the_reason(string json, string start, string named)
    {
        var e = Assert.Throws<InvalidDataException>(() => RunPlan.Parse(json, "drops/x/plan.json"));
        Assert.StartsWith(start, e.Message);
        Assert.Contains(named, e.Message);
    }
}
