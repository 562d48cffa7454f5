namespace Pipeline.Datasets.Tests;

public class TruthTableTests
{
    [Fact]
    public void Round_trips_and_finds_rows_by_train_relative_path()
    {
        var table = new TruthTable([
            new TruthRow("train/id00001/id00001_0001.jpg", "id00001", "id00001", NoiseKind.Clean),
            new TruthRow("train/id00001/id00001_0002.jpg", "id00001", "id00004", NoiseKind.Closed),
            new TruthRow("train/id00002/id00002_0001.jpg", "id00002", TruthTable.Outside, NoiseKind.Open),
            new TruthRow("train/id00002/id00002_0002.jpg", "id00002", TruthTable.Junk, NoiseKind.Junk),
        ]);
        var text = new StringWriter();
        table.Write(text);
        Assert.Contains("train/id00001/id00001_0002.jpg,id00001,id00004,closed", text.ToString());
        var back = TruthTable.Parse(new StringReader(text.ToString()));
        Assert.Equal(table.Rows, back.Rows);
        Assert.True(back.TryGet("id00002/id00002_0002.jpg", out var junk));
        Assert.True(junk.IsNoisy);
        Assert.Equal(NoiseKind.Open, back["train/id00002/id00002_0001.jpg"].Noise);
        Assert.Throws<KeyNotFoundException>(() => back["nope.jpg"]);
    }

    [Fact]
    public void Wrong_header_is_refused() =>
        Assert.Throws<InvalidDataException>(() => TruthTable.Parse(new StringReader("a,b,c,d\n")));
}
