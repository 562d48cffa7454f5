using Pipeline.VectorIndex.Embedded;

namespace Pipeline.VectorIndex.Tests;

public sealed class EmbeddedVectorIndexContractTests : VectorIndexContract
{
    private readonly string _root = TestData.TempDirectory();

    protected override IVectorIndex OpenIndex() => new EmbeddedVectorIndex(_root, new EmbeddedIndexOptions { DurableWrites = false });

    protected override string Name(string local) => local;

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
