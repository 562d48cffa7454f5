using System.Security.Cryptography;

namespace Pipeline.Alignment;

/// <summary>
/// The YuNet-s weights shipped inside this assembly (Weights/NOTICE says where from and under which licence);
/// loaded only when their sha256 is the one recorded here.
/// </summary>
internal static class YuNetWeights
{
    public const string ResourceName = "yunet_s_dynamic.onnx";
    public const string Sha256 = "daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3";

    public static byte[] Embedded()
    {
        using var stream = typeof(YuNetWeights).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(YuNetWeights).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Verified(copy.ToArray(), $"embedded {ResourceName}");
    }

    /// <summary>The bytes when they are the shipped weights; otherwise an error naming <paramref name="source"/>.</summary>
    public static byte[] Verified(byte[] bytes, string source)
    {
        string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != Sha256)
            throw new InvalidDataException($"{source}: sha256 {actual} is not the YuNet weights' {Sha256} ({bytes.Length} bytes); the file is corrupt or not the shipped model");
        return bytes;
    }
}
