using System.Text.Json;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Tests;

/// <summary>Loss and gradients of every margin equal a PyTorch reference (Golden/margin_reference.py).</summary>
public class MarginHeadGoldenTests
{
    private static readonly JsonElement[] Cases = LoadCases();

    private static JsonElement[] LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "margin_golden.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Loss_and_gradients_match_pytorch(string name)
    {
        var c = Cases.Single(x => x.GetProperty("name").GetString() == name);
        int k = c.GetProperty("k").GetInt32(), classes = c.GetProperty("classes").GetInt32(), dim = c.GetProperty("dim").GetInt32();
        var margin = new MarginSpec(c.GetProperty("m1").GetDouble(), c.GetProperty("m2").GetDouble(), c.GetProperty("m3").GetDouble(), c.GetProperty("s").GetDouble());
        var head = FaceModel.WithProcessGenerator(() => new MarginHead(dim, classes, k, margin));
        using (no_grad()) head.Weight.copy_(tensor(Floats(c, "weights")).view(classes * k, dim));
        var x = tensor(Floats(c, "embeddings")).view(-1, dim).requires_grad_(true);
        var labels = tensor(c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()).ToArray());

        var loss = head.call(x, labels);
        loss.backward();

        Assert.Equal(c.GetProperty("loss").GetDouble(), loss.item<float>(), 1e-4);
        AssertClose(Floats(c, "grad_embeddings"), x.grad!.data<float>().ToArray(), name + " dL/dx");
        AssertClose(Floats(c, "grad_weights"), head.Weight.grad!.data<float>().ToArray(), name + " dL/dW");
    }

    private static float[] Floats(JsonElement c, string key) =>
        c.GetProperty(key).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i]),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
