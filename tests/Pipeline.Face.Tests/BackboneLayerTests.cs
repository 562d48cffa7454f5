using Pipeline.Datasets;
using Pipeline.Face.Backbones;
using Pipeline.Face.Training;
using static TorchSharp.torch;

namespace Pipeline.Face.Tests;

public class BackboneLayerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PRelu_output_and_gradients_equal_libtorchs_prelu(bool channelsLast)
    {
        using var g = new Generator(5); // not the process-wide one: seeded models built beside this test keep theirs
        var x0 = randn([4, 6, 5, 7], generator: g);
        // Exact zeros and values on both sides: the gradient at 0 takes the slope, as libtorch's.
        x0[0, 0, 0, 0] = tensor(0f);
        if (channelsLast) x0 = x0.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        var slopes = tensor(new float[] { 0.25f, -0.3f, 0f, 1.5f, 0.1f, 0.7f });
        var upstream = randn([4, 6, 5, 7], generator: g);

        var ours = new PRelu(6);
        using (no_grad()) ours.Weight.copy_(slopes);
        var x1 = x0.detach().requires_grad_(true);
        var y1 = ours.call(x1);
        y1.backward([upstream]);

        var x2 = x0.detach().requires_grad_(true);
        var a2 = slopes.detach().requires_grad_(true);
        var y2 = nn.functional.prelu(x2, a2);
        y2.backward([upstream]);

        Assert.True(y1.allclose(y2, 0, 0));
        Assert.True(x1.grad!.allclose(x2.grad!, 1e-6, 1e-6));
        Assert.True(ours.Weight.grad!.allclose(a2.grad!, 1e-4, 1e-5));
    }

    [Fact]
    public void PRelu_on_embeddings_reduces_over_every_dimension_but_the_channel()
    {
        using var g = new Generator(6);
        var x = randn([8, 3], generator: g).requires_grad_(true);
        var ours = new PRelu(3);
        ours.call(x).sum().backward();
        var expected = x.detach().clamp_max(0).sum(dim: 0);
        Assert.True(ours.Weight.grad!.allclose(expected, 1e-6, 1e-6));
    }

    [Fact]
    public void Batches_are_channels_last_and_hold_the_normalised_pixels()
    {
        var pixels = new byte[2 * 4 * 4 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 5);
        var set = new ImageSet(4, pixels, [0, 1], ["a/1", "b/1"], ["a", "b"]);
        var x = BatchTensors.Images(set, [1, 0], 4, [true, false], CPU);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, x.shape);
        Assert.Equal(1, x.stride(1)); // channels-last: the channel is the innermost dimension
        // Sample 1 of the set, mirrored: pixel (y=2, x=0) is the source's (2, 3), channel 1 (green).
        int src = 48 + (2 * 4 + 3) * 3 + 1;
        Assert.Equal((pixels[src] - 127.5f) / 127.5f, x[0, 1, 2, 0].item<float>(), 6);
        // Sample 0, not mirrored: (1, 2), channel 2.
        int src0 = (1 * 4 + 2) * 3 + 2;
        Assert.Equal((pixels[src0] - 127.5f) / 127.5f, x[1, 2, 1, 2].item<float>(), 6);
    }
}
