namespace Pipeline.VectorIndex.Tests;

/// <summary>Deterministic random points and an independent double-precision brute force.</summary>
internal static class TestData
{
    public static float[] RandomVector(Random rng, int dim)
    {
        var v = new float[dim];
        for (var i = 0; i < dim; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Points spread over <paramref name="identities"/> identities and two datasets, all of one model.</summary>
    public static List<FacePoint> Points(int count, int dim, string model, int seed, int identities = 20, string idPrefix = "p")
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => new FacePoint(
                $"{idPrefix}{i}",
                RandomVector(rng, dim),
                new FacePayload($"id{i % identities}", i % 3 == 0 ? "ds-b" : "ds-a", model, $"img/{i}.jpg")))
            .ToList();
    }

    /// <summary>Points around <paramref name="clusters"/> random centres (centre + uniform noise), like the embeddings of a face dataset's identities.</summary>
    public static List<FacePoint> ClusteredPoints(int count, int dim, int clusters, float noise, int seed, string idPrefix = "p")
    {
        var rng = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => RandomVector(rng, dim)).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => new FacePoint(
                $"{idPrefix}{i}",
                centres[i % clusters].Select(x => x + noise * (float)(rng.NextDouble() * 2 - 1)).ToArray(),
                new FacePayload($"id{i % clusters}", "ds-a", "m1")))
            .ToList();
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>All points that pass the filter, best first, with their exact cosine.</summary>
    public static List<(string Id, double Score)> BruteForce(IEnumerable<FacePoint> points, float[] query, FaceFilter? filter = null)
    {
        var scored = new List<(string Id, double Score)>();
        foreach (var p in points)
            if (filter is null || filter.Matches(p.Payload))
                scored.Add((p.Id, Cosine(p.Vector, query)));
        scored.Sort((x, y) => y.Score.CompareTo(x.Score));
        return scored;
    }

    /// <summary>
    /// Asserts <paramref name="actual"/> is the exact top-k: same length, scores equal rank by rank,
    /// and the same ids up to float-precision ties at the k-th score.
    /// </summary>
    public static void AssertExactTopK(IReadOnlyList<FaceMatch> actual, List<(string Id, double Score)> all, int k, double tolerance = 1e-4)
    {
        var expected = all.Take(k).ToList();
        Assert.Equal(expected.Count, actual.Count);
        if (expected.Count == 0) return;
        var truth = all.ToDictionary(x => x.Id, x => x.Score);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.InRange(actual[i].Score, expected[i].Score - tolerance, expected[i].Score + tolerance);
            Assert.InRange(truth[actual[i].Id], actual[i].Score - tolerance, actual[i].Score + tolerance);
            if (i > 0) Assert.True(actual[i - 1].Score >= actual[i].Score, "results must be sorted best first");
        }
        var kth = expected[^1].Score;
        var actualIds = actual.Select(m => m.Id).ToHashSet();
        foreach (var (id, score) in expected.Where(e => e.Score > kth + tolerance))
            Assert.Contains(id, actualIds);
        Assert.Equal(actual.Count, actualIds.Count);
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vindex-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
