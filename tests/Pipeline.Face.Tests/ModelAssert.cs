using Pipeline.Face.Models;

namespace Pipeline.Face.Tests;

internal static class ModelAssert
{
    /// <summary>Every backbone and head tensor of the two models is bit-for-bit equal.</summary>
    public static void SameWeights(FaceModel expected, FaceModel actual, string when)
    {
        var a = expected.Backbone.state_dict().Concat(expected.Head.state_dict()).ToList();
        var b = actual.Backbone.state_dict().Concat(actual.Head.state_dict()).ToDictionary();
        foreach (var (name, t) in a)
            Assert.True(t.equal(b[name]).all().item<bool>(), $"{name} differs {when}");
    }
}
