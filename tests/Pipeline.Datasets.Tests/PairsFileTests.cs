namespace Pipeline.Datasets.Tests;

public class PairsFileTests
{
    private const string Lfw = "2\t2\nAbel_Pacheco\t1\t4\nAkhmed_Zakayev\t1\t3\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\nAbdel_Madi_Shabneh\t1\tGiancarlo_Fisichella\t1\n"
        + "Slobodan_Milosevic\t2\t3\nZico\t1\t2\nAJ_Cook\t1\tMarsha_Thomason\t1\nAaron_Sorkin\t2\tFrank_Solich\t5\n";

    [Fact]
    public void Parses_lfw_pairs_with_folds_and_paths()
    {
        var pairs = PairsFile.Parse(new StringReader(Lfw));
        Assert.Equal(8, pairs.Count);
        Assert.Equal(new FacePair("Abel_Pacheco/Abel_Pacheco_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0004.jpg", true, 0), pairs[0]);
        Assert.Equal(new FacePair("Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg", "Dean_Barker/Dean_Barker_0001.jpg", false, 0), pairs[2]);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], pairs.Select(p => p.Fold));
        Assert.Equal([true, true, false, false, true, true, false, false], pairs.Select(p => p.Same));
        var rooted = PairsFile.Parse(new StringReader(Lfw), "/data/lfw");
        Assert.Equal("/data/lfw/Zico/Zico_0002.jpg", rooted[5].PathB);
    }

    [Fact]
    public void Write_then_parse_round_trips()
    {
        var folds = new List<PairsFold>
        {
            new([new("a", 1, 2)], [new("a", 1, "b", 3)]),
            new([new("c", 2, 3)], [new("c", 1, "d", 1)]),
        };
        var text = new StringWriter();
        PairsFile.Write(text, folds);
        Assert.StartsWith("2\t1\n", text.ToString());
        var pairs = PairsFile.Parse(new StringReader(text.ToString()));
        Assert.Equal(new FacePair("c/c_0001.jpg", "d/d_0001.jpg", false, 1), pairs[3]);
    }

    [Fact]
    public void One_number_header_is_a_single_fold()
    {
        var pairs = PairsFile.Parse(new StringReader("1\nx\t1\t2\nx\t1\ty\t1\n"));
        Assert.All(pairs, p => Assert.Equal(0, p.Fold));
    }

    [Theory]
    [InlineData("1\t1\nx\t1\ty\t1\nx\t1\t2\n")]
    [InlineData("1\t2\nx\t1\t2\nx\t1\ty\t1\n")]
    [InlineData("1\t1\nx\tone\t2\nx\t1\ty\t1\n")]
    [InlineData("")]
    public void Malformed_files_are_refused(string text) =>
        Assert.Throws<InvalidDataException>(() => PairsFile.Parse(new StringReader(text)));

    [Fact]
    public void Uneven_folds_cannot_be_written() =>
        Assert.Throws<ArgumentException>(() => PairsFile.Write(new StringWriter(), [new([new("a", 1, 2)], [])]));
}
