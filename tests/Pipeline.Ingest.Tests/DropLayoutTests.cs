using Pipeline.Contracts;

namespace Pipeline.Ingest.Tests;

public sealed class DropLayoutTests
{
    [Theory]
    [InlineData("celebs", "celebs")]
    [InlineData("celebs-2024", "celebs-2024")]
    public void A_plain_drop_name_is_its_own_dataset_id(string drop, string id) =>
        Assert.Equal(id, DatasetIds.FromDropName(drop));

    [Theory]
    [InlineData("celebs.zip", "celebs-zip-")]
    [InlineData("celebs.tar.gz", "celebs-tar-gz-")]
    [InlineData("faces.v2", "faces-v2-")]
    public void Any_other_name_keeps_its_letters_and_gets_a_hash(string drop, string prefix)
    {
        var id = DatasetIds.FromDropName(drop);
        Assert.StartsWith(prefix, id);
        Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", id);
    }

    [Theory]
    [InlineData("faces.v2", "faces-v2")]
    [InlineData("faces_v2", "faces-v2")]
    [InlineData("celebs.zip", "celebs-zip")]
    [InlineData("Faces", "faces")]
    public void Distinct_drop_names_never_share_a_dataset(string a, string b)
    {
        Assert.NotEqual(DatasetIds.FromDropName(a), DatasetIds.FromDropName(b));
        // Nor does a plain name that looks like another name's hashed id.
        var hashed = DatasetIds.FromDropName(a);
        Assert.NotEqual(hashed, DatasetIds.FromDropName(hashed));
    }

    [Theory]
    [InlineData("My Faces")]
    [InlineData("émile")]
    [InlineData("___")]
    [InlineData("UPPER")]
    public void A_lossy_drop_name_gets_a_hash_so_ids_never_collide(string drop)
    {
        var id = DatasetIds.FromDropName(drop);
        Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", id);
        Assert.NotEqual(id, DatasetIds.FromDropName(drop + " "));
        Assert.Equal(id, DatasetIds.FromDropName(drop));
    }

    [Fact]
    public void Folders_and_archives_have_their_own_markers()
    {
        var folder = Drop.FromName("celebs");
        Assert.Equal(("celebs/_CLAIMED", "celebs/plan.json", "celebs/_READY"), (folder.ClaimPath, folder.PlanPath, folder.ReadyPath));
        var archive = Drop.FromName("celebs.tar.gz");
        Assert.True(archive.IsArchive);
        Assert.Equal(("celebs.tar.gz._CLAIMED", "celebs.tar.gz.plan.json", (string?)null), (archive.ClaimPath, archive.PlanPath, archive.ReadyPath));
        Assert.False(DropLayout.IsArchiveName(".zip"));
        Assert.Equal(".tar.gz", DropLayout.ArchiveExtension("a.TAR.GZ"));
    }

    [Fact]
    public void A_plan_parses_from_camel_or_pascal_case_and_refuses_unknown_fields()
    {
        Assert.Equal((RunPlan.Default with { Epochs = 4, Backbone = "r50" }, (string?)null),
            DropWatcher.ParsePlan("""{ "Epochs": 4, "backbone": "r50", /* ok */ }""", "p"));
        var (plan, problem) = DropWatcher.ParsePlan("""{ "epochz": 4 }""", "drops/x/plan.json");
        Assert.Equal(RunPlan.Default, plan);
        Assert.StartsWith("drops/x/plan.json: not a valid run plan", problem);
        Assert.NotNull(DropWatcher.ParsePlan("null", "p").Problem);
        Assert.NotNull(DropWatcher.ParsePlan("{", "p").Problem);
    }

    [Fact]
    public void A_plan_names_only_drop_rules_and_scores_the_purifier_knows()
    {
        Assert.Equal((RunPlan.Default with { DropScore = "subcenter", DropRule = "angle" }, (string?)null),
            DropWatcher.ParsePlan("""{ "dropScore": "subcenter", "dropRule": "angle" }""", "p"));
        Assert.Equal("drops/x/plan.json: dropScore 'nearest': expected one of 'subcenter', 'class-mean', 'class-margin'",
            DropWatcher.ParsePlan("""{ "dropScore": "nearest" }""", "drops/x/plan.json").Problem);
        Assert.Equal("p: dropRule 'sometimes': expected 'angle' or 'auto'", DropWatcher.ParsePlan("""{ "dropRule": "sometimes" }""", "p").Problem);
        Assert.Equal("p: dropNoisePosterior 0: expected between 0 and 1 (exclusive)", DropWatcher.ParsePlan("""{ "dropNoisePosterior": 0 }""", "p").Problem);
        Assert.Equal(0.9, DropWatcher.ParsePlan("""{ "dropNoisePosterior": 0.9 }""", "p").Plan.DropNoisePosterior);
        Assert.Equal("p: dropNoisePosterior moves the automatic threshold: it does not go with dropRule 'angle'",
            DropWatcher.ParsePlan("""{ "dropNoisePosterior": 0.9, "dropRule": "angle" }""", "p").Problem);
    }
}

public sealed class IngestWorkTests
{
    [Fact]
    public void Temp_folders_of_ingests_whose_process_died_are_removed_and_live_ones_kept()
    {
        var root = Directory.CreateTempSubdirectory("ingest-orphans-").FullName;
        try
        {
            var live = IngestWork.Create(root, "faces");
            var dead = Path.Combine(root, "ingest", $"{int.MaxValue - 7}-faces-0123");
            var legacy = Path.Combine(root, "ingest", "faces-abcdef");
            Directory.CreateDirectory(Path.Combine(dead, "input"));
            Directory.CreateDirectory(legacy);

            Assert.Equal(2, IngestWork.RemoveOrphans(root, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));

            Assert.True(Directory.Exists(live));
            Assert.False(Directory.Exists(dead));
            Assert.False(Directory.Exists(legacy));
        }
        finally { Directory.Delete(root, true); }
    }
}
