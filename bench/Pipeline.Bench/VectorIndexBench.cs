using System.Diagnostics;
using System.Globalization;
using Pipeline.VectorIndex;
using Pipeline.VectorIndex.Embedded;

namespace Pipeline.Bench;

/// <summary>
/// Embedded exact index at scale: N clustered unit vectors (default 1M x 512), batched and single
/// queries, build/load time, memory; then hands the same vectors and queries (binary files) to
/// bench/vector_index_reference.py for numpy brute force and hnswlib, which also scores recall@k.
/// </summary>
public sealed class VectorIndexBench : IBenchmark
{
    public string Name => "vector-index";
    public string Description => "embedded exact index, 1M x 512: latency, build/load, recall vs numpy and hnswlib";

    private const string Collection = "bench";

    public async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        if (o is null)
        {
            Console.Error.WriteLine("""
                usage: vector-index [--n 1000000] [--dim 512] [--queries 1000] [--batch 64] [--top 10]
                                    [--clusters 10000] [--noise 0.04] [--dir /tmp/vindex-bench] [--python /usr/bin/python3]
                                    [--hnsw-n 200000] [--no-python]
                Writes <dir>/vectors.f32 and queries.f32 (int32 n, int32 dim, float32 rows), the index in
                <dir>/index, and this index's top-k row numbers in <dir>/embedded_topk.i32 (int32 nq, int32 k, rows).
                """);
            return 2;
        }
        Directory.CreateDirectory(o.Dir);
        var root = Path.Combine(o.Dir, "index");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Console.WriteLine($"vector-index: n={o.N} dim={o.Dim} queries={o.Queries} batch={o.Batch} top={o.Top} clusters={o.Clusters} cores={Environment.ProcessorCount}");

        var centres = Centres(o);
        var build = await Build(o, root, centres);
        var queries = Queries(o, centres);
        WriteMatrix(Path.Combine(o.Dir, "queries.f32"), queries, o.Dim);

        var loadWatch = Stopwatch.StartNew();
        using var index = new EmbeddedVectorIndex(root);
        index.Load(Collection);
        var loadSeconds = loadWatch.Elapsed.TotalSeconds;
        GC.Collect();
        var managedGb = GC.GetGCMemoryInfo().HeapSizeBytes / 1e9;

        await index.SearchAsync(Collection, queries.Take(o.Batch).ToList(), o.Top); // warm-up
        var perQueryMs = new List<double>();
        var results = new List<IReadOnlyList<FaceMatch>>();
        var total = Stopwatch.StartNew();
        for (var start = 0; start < queries.Count; start += o.Batch)
        {
            var batch = queries.Skip(start).Take(o.Batch).ToList();
            var watch = Stopwatch.StartNew();
            results.AddRange(await index.SearchAsync(Collection, batch, o.Top));
            var perQuery = watch.Elapsed.TotalMilliseconds / batch.Count;
            perQueryMs.AddRange(Enumerable.Repeat(perQuery, batch.Count));
        }
        var batchedQps = queries.Count / total.Elapsed.TotalSeconds;

        var singleMs = new List<double>();
        foreach (var q in queries.Take(20))
        {
            var watch = Stopwatch.StartNew();
            await index.SearchAsync(Collection, [q], o.Top);
            singleMs.Add(watch.Elapsed.TotalMilliseconds);
        }

        var filter = new FaceFilter(DatasetId: "ds-1");
        var filteredWatch = Stopwatch.StartNew();
        var filtered = await index.SearchAsync(Collection, queries.Take(o.Batch).ToList(), o.Top, filter);
        var filteredMs = filteredWatch.Elapsed.TotalMilliseconds / o.Batch;
        if (filtered.SelectMany(r => r).Any(m => m.Payload.DatasetId != "ds-1")) throw new InvalidOperationException("filter leaked");

        WriteTopK(Path.Combine(o.Dir, "embedded_topk.i32"), results, o.Top);
        var peakGb = Process.GetCurrentProcess().PeakWorkingSet64 / 1e9;

        Console.WriteLine();
        Console.WriteLine("| embedded exact (C#) | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| build: generate + upsert {o.N:N0} (durable log) | {build.UpsertSeconds:F1} s upsert ({build.GenerateSeconds:F1} s generating) |");
        Console.WriteLine($"| load: reopen and replay the log | {loadSeconds:F1} s ({new FileInfo(Path.Combine(root, Collection + ".fvlog")).Length / 1e9:F2} GB file) |");
        Console.WriteLine($"| batched, {o.Batch}/batch: per-query p50 / p95 | {Percentile(perQueryMs, 50):F1} / {Percentile(perQueryMs, 95):F1} ms |");
        Console.WriteLine($"| batched: batch wall time p50 | {Percentile(perQueryMs, 50) * o.Batch:F0} ms |");
        Console.WriteLine($"| batched: throughput | {batchedQps:F1} queries/s |");
        Console.WriteLine($"| single query: p50 / p95 | {Percentile(singleMs, 50):F1} / {Percentile(singleMs, 95):F1} ms |");
        Console.WriteLine($"| filtered (half the rows match), {o.Batch}/batch: per query | {filteredMs:F1} ms |");
        Console.WriteLine($"| memory: managed heap / peak working set | {managedGb:F2} / {peakGb:F2} GB |");
        Console.WriteLine();

        if (o.NoPython) return 0;
        return await RunReference(o);
    }

    private static async Task<(double GenerateSeconds, double UpsertSeconds)> Build(Options o, string root, float[][] centres)
    {
        const int chunk = 16384;
        double generate = 0, upsert = 0;
        using var index = new EmbeddedVectorIndex(root);
        await index.CreateCollectionAsync(Collection, o.Dim);
        await using var file = new FileStream(Path.Combine(o.Dir, "vectors.f32"), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        WriteHeader(file, o.N, o.Dim);
        for (var start = 0; start < o.N; start += chunk)
        {
            var watch = Stopwatch.StartNew();
            var count = Math.Min(chunk, o.N - start);
            var points = new FacePoint[count];
            Parallel.For(0, count, i =>
            {
                var row = start + i;
                var rng = new Random(unchecked(row * 7919 + 17));
                var cluster = rng.Next(o.Clusters);
                points[i] = new FacePoint(
                    $"v{row}",
                    Sample(rng, centres[cluster], o.Noise),
                    new FacePayload($"c{cluster}", $"ds-{row % 2}", "bench-model", null));
            });
            foreach (var p in points) file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Vector.AsSpan()));
            generate += watch.Elapsed.TotalSeconds;
            watch.Restart();
            await index.UpsertAsync(Collection, points);
            upsert += watch.Elapsed.TotalSeconds;
            if (start / chunk % 10 == 0) Console.Write($"\r  built {start + count:N0}/{o.N:N0}");
        }
        Console.WriteLine();
        return (generate, upsert);
    }

    private static float[][] Centres(Options o)
    {
        var rng = new Random(1);
        return Enumerable.Range(0, o.Clusters).Select(_ => Sample(rng, new float[o.Dim], 1f)).ToArray();
    }

    private static List<float[]> Queries(Options o, float[][] centres)
    {
        var rng = new Random(2);
        return Enumerable.Range(0, o.Queries).Select(_ => Sample(rng, centres[rng.Next(o.Clusters)], o.Noise)).ToList();
    }

    /// <summary>centre + gaussian noise, L2-normalised (the index would normalise anyway; the files hold unit rows).</summary>
    private static float[] Sample(Random rng, float[] centre, float noise)
    {
        var v = new float[centre.Length];
        for (var i = 0; i < v.Length; i += 2)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1));
            v[i] = centre[i] + noise * (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < v.Length) v[i + 1] = centre[i + 1] + noise * (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return VectorMath.Normalized(v, "bench sample");
    }

    private static void WriteHeader(Stream s, int n, int dim)
    {
        s.Write(BitConverter.GetBytes(n));
        s.Write(BitConverter.GetBytes(dim));
    }

    private static void WriteMatrix(string path, List<float[]> rows, int dim)
    {
        using var file = File.Create(path);
        WriteHeader(file, rows.Count, dim);
        foreach (var r in rows) file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.AsSpan()));
    }

    private static void WriteTopK(string path, List<IReadOnlyList<FaceMatch>> results, int k)
    {
        using var file = File.Create(path);
        WriteHeader(file, results.Count, k);
        foreach (var r in results)
            for (var i = 0; i < k; i++)
                file.Write(BitConverter.GetBytes(i < r.Count ? int.Parse(r[i].Id.AsSpan(1), CultureInfo.InvariantCulture) : -1));
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Clamp(Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task<int> RunReference(Options o)
    {
        var script = FindUp("bench/vector_index_reference.py");
        if (script is null)
        {
            Console.Error.WriteLine("vector-index: bench/vector_index_reference.py not found above the current directory");
            return 1;
        }
        var start = new ProcessStartInfo(o.Python)
        {
            ArgumentList = { script, "--dir", o.Dir, "--top", o.Top.ToString(CultureInfo.InvariantCulture),
                             "--batch", o.Batch.ToString(CultureInfo.InvariantCulture), "--hnsw-n", o.HnswN.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        };
        Console.WriteLine($"running {o.Python} {string.Join(' ', start.ArgumentList)}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{o.Python}: could not start");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static string? FindUp(string relative)
    {
        foreach (var from in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return null;
    }

    private sealed record Options(
        int N, int Dim, int Queries, int Batch, int Top, int Clusters, float Noise, string Dir, string Python, int HnswN, bool NoPython)
    {
        public static Options? Parse(string[] args)
        {
            var o = new Options(1_000_000, 512, 1000, 64, 10, 10_000, 0.04f, "/tmp/vindex-bench", "/usr/bin/python3", 200_000, false);
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "--n" => o with { N = NextInt() },
                    "--dim" => o with { Dim = NextInt() },
                    "--queries" => o with { Queries = NextInt() },
                    "--batch" => o with { Batch = NextInt() },
                    "--top" => o with { Top = NextInt() },
                    "--clusters" => o with { Clusters = NextInt() },
                    "--noise" => o with { Noise = float.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--dir" => o with { Dir = Next() },
                    "--python" => o with { Python = Next() },
                    "--hnsw-n" => o with { HnswN = NextInt() },
                    "--no-python" => o with { NoPython = true },
                    _ => null,
                };
                if (o is null) return null;
            }
            return o;
        }
    }
}
