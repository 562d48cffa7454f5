using Pipeline.Datasets;

namespace Pipeline.Face.Inversion;

/// <summary>An inversion's faces side by side in one PNG.</summary>
public static class InversionImage
{
    public static byte[] Strip(InversionResult r)
    {
        int row = r.Size * 3, strip = r.Batch * row;
        var rgb = new byte[r.Size * strip];
        for (int b = 0; b < r.Batch; b++)
            for (int y = 0; y < r.Size; y++)
                r.Pixels.AsSpan((b * r.Size + y) * row, row).CopyTo(rgb.AsSpan(y * strip + b * row, row));
        return RgbPng.Encode(rgb, r.Size * r.Batch, r.Size);
    }
}
