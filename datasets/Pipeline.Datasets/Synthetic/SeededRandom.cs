namespace Pipeline.Datasets;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a generator whose sequence is fixed by its key forever
/// (System.Random's may change between runtimes). Every identity and every image derives its own
/// generator from (seed, stream, indices), so output never depends on generation order.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>A generator keyed by a seed and any number of integers (stream id, identity, image...).</summary>
    public static SeededRandom For(long seed, params ReadOnlySpan<long> key)
    {
        ulong h = (ulong)seed ^ 0x9E3779B97F4A7C15UL;
        foreach (var k in key)
        {
            ulong x = h ^ (ulong)k;
            h = SplitMix(ref x) ^ (h << 7 | h >> 57);
        }
        return new SeededRandom(h);
    }

    public ulong NextULong()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        return (int)((NextULong() >> 33) * (ulong)n >> 31);
    }

    public float Uniform(float lo, float hi) => lo + (float)NextDouble() * (hi - lo);

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Standard normal (Box-Muller, pairs cached).</summary>
    public double Gaussian()
    {
        if (_spareGaussian is { } spare) { _spareGaussian = null; return spare; }
        double u = 1.0 - NextDouble(), v = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u));
        _spareGaussian = r * Math.Sin(2 * Math.PI * v);
        return r * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>Normal with the given sigma, clipped to +-limit sigmas.</summary>
    public float Normal(float sigma, float clipSigmas = 2.5f) =>
        sigma * (float)Math.Clamp(Gaussian(), -clipSigmas, clipSigmas);

    /// <summary>Index drawn with the given relative weights.</summary>
    public int Weighted(IReadOnlyList<double> weights)
    {
        double r = NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Count; i++)
        {
            r -= weights[i];
            if (r < 0) return i;
        }
        return weights.Count - 1;
    }

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
