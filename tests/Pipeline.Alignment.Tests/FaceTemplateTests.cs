namespace Pipeline.Alignment.Tests;

/// <summary>The template's size and scale: insightface's points at 112, scaled with the crop, shrunk about its centre.</summary>
public sealed class FaceTemplateTests
{
    [Fact]
    public void Scale_one_is_insightfaces_layout_and_a_smaller_scale_pulls_every_point_toward_the_centre()
    {
        var at112 = FaceTemplate.For(112);
        Assert.Equal(38.2946f, at112[0].X, 4);
        Assert.Equal(92.2041f, at112[4].Y, 4);
        var half = FaceTemplate.For(224, 0.5f);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(112 + (at112[i].X * 2 - 112) * 0.5f, half[i].X, 3);
            Assert.Equal(112 + (at112[i].Y * 2 - 112) * 0.5f, half[i].Y, 3);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceTemplate.For(112, 0));
    }
}
