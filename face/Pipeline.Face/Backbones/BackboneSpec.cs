namespace Pipeline.Face.Backbones;

/// <summary>
/// An IResNet shape: blocks per stage, a width multiplier on insightface's 64/128/256/512
/// channels, and the input size (112 = insightface's stride-1 stem; 64 = a stride-2 stem so
/// the 4 stages end at 2x2, 4x cheaper).
/// </summary>
public sealed record BackboneSpec(string Name, int[] Layers, double WidthMultiplier, int InputSize, int EmbeddingSize = 512, double Dropout = 0.0)
{
    public static readonly IReadOnlyDictionary<string, int[]> Depths = new Dictionary<string, int[]>
    {
        ["tiny"] = [1, 1, 1, 1],
        ["r18"] = [2, 2, 2, 2],
        ["r34"] = [3, 4, 6, 3],
        ["r50"] = [3, 4, 14, 3],
        ["r100"] = [3, 13, 30, 3],
    };

    /// <summary>"tiny" is IResNet[1,1,1,1] at half width (32..256): the demo and test preset.</summary>
    public static BackboneSpec Create(string name, int inputSize, double? widthMultiplier = null)
    {
        if (!Depths.TryGetValue(name, out var layers))
            throw new ArgumentException($"unknown backbone '{name}' (one of {string.Join(", ", Depths.Keys)})");
        if (inputSize is not (112 or 64))
            throw new ArgumentException($"input size {inputSize} is not supported (112 or 64)");
        return new BackboneSpec(name, layers, widthMultiplier ?? (name == "tiny" ? 0.5 : 1.0), inputSize);
    }

    public int StemStride => InputSize == 64 ? 2 : 1;
    public int Width(int stage) => Math.Max(8, (int)Math.Round(64 * WidthMultiplier * (1 << stage)));
    public int FinalSpatial => InputSize / StemStride / 16;
}
