using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

/// <summary>
/// Collection and alias names reach the index from HTTP (search's run and alias, the alias switch's collection):
/// every entry point refuses a name outside the naming rule before it names a file.
/// </summary>
public sealed class CollectionNameTests : IDisposable
{
    private const int Dim = 8;
    private readonly string _root = TestData.TempDirectory();

    private EmbeddedVectorIndex Open(string dir) => new(Path.Combine(_root, dir), new EmbeddedIndexOptions { DurableWrites = false });

    [Fact]
    public async Task An_alias_cannot_point_at_a_collection_log_outside_the_index_directory()
    {
        using (var elsewhere = Open("elsewhere"))
        {
            await elsewhere.CreateCollectionAsync("secret", Dim);
            await elsewhere.UpsertAsync("secret", TestData.Points(3, Dim, "m1", seed: 1));
        }
        using var index = Open("index");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => index.SetAliasAsync("faces", "../elsewhere/secret"));

        Assert.Contains("'../elsewhere/secret'", e.Message);
        Assert.Empty(await index.ListAliasesAsync());
    }

    [Theory]
    [InlineData("../elsewhere/secret")]
    [InlineData("/etc/passwd")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("faces\n")]
    public async Task Every_entry_point_refuses_a_name_outside_the_rule(string name)
    {
        using var index = Open("index");
        await index.CreateCollectionAsync("good", Dim);

        await Assert.ThrowsAsync<ArgumentException>(() => index.CreateCollectionAsync(name, Dim));
        await Assert.ThrowsAsync<ArgumentException>(() => index.SetAliasAsync(name, "good"));
        await Assert.ThrowsAsync<ArgumentException>(() => index.SetAliasAsync("served", name));
        await Assert.ThrowsAsync<ArgumentException>(() => index.ResolveAsync(name));
        await Assert.ThrowsAsync<ArgumentException>(() => index.CountAsync(name));
        await Assert.ThrowsAsync<ArgumentException>(() => index.SearchAsync(name, [new float[Dim]], top: 1));
        await Assert.ThrowsAsync<ArgumentException>(() => index.RetrieveAsync(name, ["x"]));
        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync(name, TestData.Points(1, Dim, "m1", seed: 2)));
        await Assert.ThrowsAsync<ArgumentException>(() => index.DropCollectionAsync(name));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
