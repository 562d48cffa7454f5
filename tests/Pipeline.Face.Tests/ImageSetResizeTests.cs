using Pipeline.Face.Training;
using static TorchSharp.torch;

namespace Pipeline.Face.Tests;

public class ImageSetResizeTests
{
    [Fact]
    public void A_set_is_resized_once_in_memory_only_when_the_copy_fits_its_share()
    {
        var set = TinyFaces.Create(classes: 3, perClass: 4, size: 64);
        long copy = set.Count * 32 * 32 * 3;
        var resized = ImageSetResize.ToIfItFits(set, 32, memoryBytes: (long)(copy / ImageSetResize.MemoryShare));
        Assert.NotSame(set, resized);
        Assert.Equal(32, resized.Size);
        Assert.Equal(set.Paths, resized.Paths);
        Assert.Same(set, ImageSetResize.ToIfItFits(set, 32, memoryBytes: (long)(copy / ImageSetResize.MemoryShare) - 1));
        Assert.Same(set, ImageSetResize.ToIfItFits(set, 64));
    }

    [Fact]
    public void Batches_resized_on_the_fly_match_a_set_resized_once_to_a_pixel_level()
    {
        // Training a set too large to copy resizes each batch instead; both paths must feed the model the same images.
        var set = TinyFaces.Create(classes: 3, perClass: 4, size: 64);
        var resized = ImageSetResize.To(set, 32, chunk: 5); // several blocks
        int[] pick = [11, 0, 6, 5];
        using var scope = NewDisposeScope();
        var onTheFly = BatchTensors.Images(set, pick, 32, [false, true, false, false], CPU);
        var once = BatchTensors.Images(resized, pick, 32, [false, true, false, false], CPU);
        Assert.Equal(once.shape, onTheFly.shape);
        // The set resized once is rounded to bytes: half a grey level, 0.5 / 127.5 in model units.
        Assert.True((once - onTheFly).abs().max().item<float>() <= 0.5f / 127.5f + 1e-5f);
    }
}
