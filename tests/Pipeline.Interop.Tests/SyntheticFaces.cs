using Pipeline.Datasets;

namespace Pipeline.Interop.Tests;

/// <summary>A few faces from the project's synthetic generator, packed at 112 px, made once per test run.</summary>
internal static class SyntheticFaces
{
    private static readonly Lazy<ImageSet> Set = new(Make);

    public static ImageSet Four => Set.Value;

    private static ImageSet Make()
    {
        var dir = Path.Combine(Path.GetTempPath(), "interop-synth-" + Guid.NewGuid().ToString("N"));
        try
        {
            new SyntheticFaceGenerator(new SyntheticFaceOptions { Identities = 2, PerIdentity = 2, HoldoutIdentities = 0, Seed = 5, Parallelism = 1 }).Generate(dir);
            var packed = Path.Combine(dir, "packed");
            DatasetPacker.Pack(DatasetSource.Open(Path.Combine(dir, "train")), new PackOptions { ImageSize = 112 }, DatasetFiles.WriterFor(packed));
            return DatasetLoader.Load(packed);
        }
        finally { Directory.Delete(dir, true); }
    }
}
