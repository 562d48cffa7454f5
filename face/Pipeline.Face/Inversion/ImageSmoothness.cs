namespace Pipeline.Face.Inversion;

/// <summary>How far a pixel is from its right and lower neighbours, in grey levels: noise scores tens, photographs a few.</summary>
public static class ImageSmoothness
{
    /// <summary>Mean absolute difference between horizontally and vertically adjacent channel values over a batch of RGB images (count x size x size x 3).</summary>
    public static double MeanNeighbourDifference(ReadOnlySpan<byte> rgb, int count, int size)
    {
        long sum = 0, pairs = 0;
        int row = size * 3;
        for (int b = 0; b < count; b++)
        {
            var img = rgb.Slice(b * size * row, size * row);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < row; x++)
                {
                    int v = img[y * row + x];
                    if (x + 3 < row) { sum += Math.Abs(v - img[y * row + x + 3]); pairs++; }
                    if (y + 1 < size) { sum += Math.Abs(v - img[(y + 1) * row + x]); pairs++; }
                }
        }
        return pairs == 0 ? 0 : (double)sum / pairs;
    }
}
