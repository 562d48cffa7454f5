namespace Pipeline.Alignment.Tests;

public class AlignedCropTests
{
    private static FaceDetection At(PointF[] landmarks, int side) => new(new RectF(0, 0, side, side), 0.9f, landmarks);

    private static PointF[] Shifted(int side, float dx) => [.. FaceTemplate.For(side).Select(p => new PointF(p.X + dx, p.Y))];

    [Theory]
    [InlineData(112)]
    [InlineData(96)]
    [InlineData(128)]
    public void Landmarks_on_the_scaled_template_are_an_aligned_crop(int side)
    {
        Assert.True(AlignedCrop.IsAlreadyAlignedCrop(side, side, At(Shifted(side, 3), side)));
        Assert.False(AlignedCrop.IsAlreadyAlignedCrop(side, side, At(Shifted(side, 0.15f * side), side)));
    }

    [Fact]
    public void Size_alone_decides_when_nothing_was_detected()
    {
        Assert.True(AlignedCrop.IsAlreadyAlignedCrop(112, 112, null));
        Assert.False(AlignedCrop.IsAlreadyAlignedCrop(120, 120, null));
    }

    [Theory]
    [InlineData(112, 113)]
    [InlineData(90, 90)]
    [InlineData(250, 250)]
    public void Non_square_or_out_of_range_images_are_photos(int w, int h) =>
        Assert.False(AlignedCrop.IsAlreadyAlignedCrop(w, h, At(FaceTemplate.For(Math.Min(w, h)), w)));
}
