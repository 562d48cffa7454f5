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
    public void Batches_resized_on_the_fly_equal_a_set_resized_once()
    {
        // A set too large to copy is resized batch by batch; a checkpoint may move between machines with more or
        // less memory, so both paths must feed the model exactly the same inputs, mirrored ones included.
        var set = TinyFaces.Create(classes: 3, perClass: 4, size: 64);
        var resized = ImageSetResize.To(set, 32, chunk: 5); // several blocks
        int[] pick = [11, 0, 6, 5];
        bool[] flips = [false, true, false, true];
        using var scope = NewDisposeScope();
        var onTheFly = BatchTensors.Images(set, pick, 32, flips, CPU);
        var once = BatchTensors.Images(resized, pick, 32, flips, CPU);
        Assert.Equal(once.shape, onTheFly.shape);
        Assert.Equal(1, onTheFly.stride(1)); // channels-last, as oneDNN's convolutions take it
        Assert.Equal(0f, (once - onTheFly).abs().max().item<float>());
    }
}
