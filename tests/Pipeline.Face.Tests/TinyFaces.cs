using Pipeline.Datasets;

namespace Pipeline.Face.Tests;

/// <summary>
/// Small labelled image sets for training tests: each class is a fixed arrangement of coloured
/// ellipses; each sample shifts, rescales and re-lights it and adds pixel noise.
/// </summary>
internal static class TinyFaces
{
    public static ImageSet Create(int classes, int perClass, int size = 64, int seed = 1, double noise = 20)
    {
        var pixels = new byte[classes * perClass * size * size * 3];
        var labels = new int[classes * perClass];
        var paths = new string[labels.Length];
        for (int c = 0; c < classes; c++)
        {
            var crng = new Random(seed * 1000 + c);
            var blobs = Enumerable.Range(0, 5).Select(_ => (
                x: crng.NextDouble() * 0.6 + 0.2, y: crng.NextDouble() * 0.6 + 0.2, r: crng.NextDouble() * 0.15 + 0.08,
                col: new[] { crng.Next(256), crng.Next(256), crng.Next(256) })).ToArray();
            for (int s = 0; s < perClass; s++)
            {
                int i = c * perClass + s;
                labels[i] = c;
                paths[i] = $"id{c:D3}/{s:D3}.png";
                var rng = new Random(seed * 7919 + i);
                double dx = (rng.NextDouble() - 0.5) * 0.1, dy = (rng.NextDouble() - 0.5) * 0.1, light = 0.8 + rng.NextDouble() * 0.4;
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        double u = (double)x / size - dx, v = (double)y / size - dy;
                        double[] rgb = [60, 60, 60];
                        foreach (var b in blobs)
                            if ((u - b.x) * (u - b.x) + (v - b.y) * (v - b.y) < b.r * b.r)
                                for (int ch = 0; ch < 3; ch++) rgb[ch] = b.col[ch];
                        int o = (i * size * size + y * size + x) * 3;
                        for (int ch = 0; ch < 3; ch++)
                            pixels[o + ch] = (byte)Math.Clamp(rgb[ch] * light + (rng.NextDouble() - 0.5) * 2 * noise, 0, 255);
                    }
            }
        }
        return new ImageSet(size, pixels, labels, paths, Enumerable.Range(0, classes).Select(c => $"id{c:D3}").ToArray());
    }

    /// <summary>
    /// <see cref="Create"/> with closed-set label noise: the last <paramref name="mislabelled"/> samples of
    /// every class are filed under the next class. Returns the set and which samples carry a wrong label.
    /// </summary>
    public static (ImageSet Set, bool[] Noisy) CreateNoisy(int classes, int perClass, int mislabelled, int seed = 1)
    {
        var clean = Create(classes, perClass, seed: seed);
        var labels = clean.Labels.ToArray();
        var noisy = new bool[labels.Length];
        for (int i = 0; i < labels.Length; i++)
            if (i % perClass >= perClass - mislabelled) { labels[i] = (labels[i] + 1) % classes; noisy[i] = true; }
        return (new ImageSet(clean.Size, clean.CopyPixels(), labels, clean.Paths, clean.Identities), noisy);
    }
}
