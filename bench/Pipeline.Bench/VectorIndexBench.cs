using System.Diagnostics;
using System.Globalization;
using Pipeline.VectorIndex;
using Pipeline.VectorIndex.Embedded;

namespace Pipeline.Bench;

/// <summary>
/// Embedded index at scale: N unit vectors (default 1M x 512), clustered like face embeddings or random, in two
/// collections side by side, one exact (float32) and one int8-quantised; batched and single queries, queries on
/// one thread, build/load time, memory, recall@10 of the quantised collection against the exact one. Then hands
/// the vectors, queries and the exact collection's top-k (binary files) to bench/vector_index_reference.py for
/// numpy brute force and hnswlib, which also scores recall@k. --repeat R measures the batched and single queries
/// R times (each repeat's p50 / p99 in --json PATH, keys "exact.*" and "int8.*"; the python side's in PATH.reference).
/// </summary>
public sealed class VectorIndexBench : IBenchmark
{
    public string Name => "vector-index";
    public string Description => "embedded index, 1M x 512, exact and int8 side by side: latency, build/load, memory, recall";

    private const string Exact = "bench", Quantized = "bench-int8";

    public async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        if (o is null)
        {
            Console.Error.WriteLine("""
                usage: vector-index [--n 1000000] [--dim 512] [--data clustered|random] [--queries 1000] [--batch 64]
                                    [--singles 200] [--clients 16] [--top 10] [--clusters 10000] [--noise 0.04] [--dir /tmp/vindex-bench]
                                    [--repeat 1] [--json PATH] [--python /usr/bin/python3] [--hnsw-n 200000] [--hnsw-seconds 0]
                                    [--numpy-queries 0] [--no-python]
                --clients 0 leaves out the concurrent clients; --hnsw-seconds S builds hnswlib on the first rows it can add in S s
                (0: no limit; --hnsw-n 0: no hnswlib).
                Writes <dir>/vectors.f32 and queries.f32 (int32 n, int32 dim, float32 rows), the index in
                <dir>/index, and the exact collection's top-k row numbers in <dir>/embedded_topk.i32 (int32 nq, int32 k, rows).
                """);
            return 2;
        }
        Directory.CreateDirectory(o.Dir);
        var root = Path.Combine(o.Dir, "index");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Console.WriteLine($"vector-index: n={o.N} dim={o.Dim} data={o.Data} queries={o.Queries} batch={o.Batch} top={o.Top} clusters={o.Clusters} cores={Environment.ProcessorCount}");

        var centres = Centres(o);
        var build = await Build(o, root, centres);
        var queries = Queries(o, centres);
        WriteMatrix(Path.Combine(o.Dir, "queries.f32"), queries, o.Dim);

        var figures = new BenchFigures(args);
        figures.Add("n", o.N);
        figures.Add("build_s", build.ExactSeconds);
        figures.Add("int8.build_s", build.QuantizedSeconds);
        var exact = new Measured();
        var quantized = new Measured();
        using (var index = new EmbeddedVectorIndex(root))
        {
            var heapBefore = Heap();
            foreach (var (collection, m) in new[] { (Exact, exact), (Quantized, quantized) })
            {
                var watch = Stopwatch.StartNew();
                index.Load(collection);
                m.LoadSeconds = watch.Elapsed.TotalSeconds;
                var heap = Heap();
                m.HeapGb = (heap - heapBefore) / 1e9;
                heapBefore = heap;
            }
            foreach (var (collection, m) in new[] { (Exact, exact), (Quantized, quantized) })
            {
                for (int r = 0; r < o.Repeat; r++)
                {
                    await Measure(index, collection, queries, o, m, keepResults: r == 0);
                    m.Record(figures, collection == Exact ? "exact" : "int8");
                }
                if (o.Clients == 0) continue;
                var batcher = new SearchBatcher(index);
                m.Direct = await Concurrent(q => index.SearchAsync(collection, [q], o.Top), queries, o);
                m.ThroughBatcher = await Concurrent(q => batcher.SearchAsync(collection, q, o.Top), queries, o);
            }
        }
        quantized.Recall = Recall(exact.Results, quantized.Results, o.Top);
        exact.Recall = 1;
        figures.Add("int8.recall", quantized.Recall);
        foreach (var (key, m) in new[] { ("exact", exact), ("int8", quantized) })
        {
            figures.Add(key + ".load_s", m.LoadSeconds);
            figures.Add(key + ".heap_gb", m.HeapGb);
        }

        // The same single queries with the scan on one thread: what splitting one query over the cores buys.
        using (var oneThread = new EmbeddedVectorIndex(root, new EmbeddedIndexOptions { SearchParallelism = 1 }))
            foreach (var (collection, m) in new[] { (Exact, exact), (Quantized, quantized) })
            {
                oneThread.Load(collection);
                m.SingleOneThreadMs = await Singles(oneThread, collection, queries, o);
            }

        WriteTopK(Path.Combine(o.Dir, "embedded_topk.i32"), exact.Results, o.Top);
        var peakGb = Process.GetCurrentProcess().PeakWorkingSet64 / 1e9;

        Console.WriteLine();
        Console.WriteLine($"| {o.N:N0} x {o.Dim}, {o.Data} | exact float32 | int8, re-scored (x{VectorQuantizationDefaults.Oversampling}) |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| build: upsert (durable log; {build.GenerateSeconds:F1} s generating) | {build.ExactSeconds:F1} s | {build.QuantizedSeconds:F1} s |");
        Console.WriteLine($"| load: replay the log ({new FileInfo(Path.Combine(root, Exact + ".fvlog")).Length / 1e9:F2} GB), build codes | {exact.LoadSeconds:F1} s | {quantized.LoadSeconds:F1} s |");
        Console.WriteLine($"| memory: managed heap added by the load | {exact.HeapGb:F2} GB | {quantized.HeapGb:F2} GB (codes {quantized.HeapGb - exact.HeapGb:F2} GB) |");
        Console.WriteLine($"| batched, {o.Batch}/batch: per-query p50 / p99 | {exact.BatchedMs(50):F2} / {exact.BatchedMs(99):F2} ms | {quantized.BatchedMs(50):F2} / {quantized.BatchedMs(99):F2} ms |");
        Console.WriteLine($"| batched: throughput | {exact.Qps:F0} queries/s | {quantized.Qps:F0} queries/s |");
        Console.WriteLine($"| single query, {Environment.ProcessorCount} threads: p50 / p99 | {Percentile(exact.SingleMs, 50):F1} / {Percentile(exact.SingleMs, 99):F1} ms | {Percentile(quantized.SingleMs, 50):F1} / {Percentile(quantized.SingleMs, 99):F1} ms |");
        Console.WriteLine($"| single query, 1 thread: p50 / p99 | {Percentile(exact.SingleOneThreadMs, 50):F1} / {Percentile(exact.SingleOneThreadMs, 99):F1} ms | {Percentile(quantized.SingleOneThreadMs, 50):F1} / {Percentile(quantized.SingleOneThreadMs, 99):F1} ms |");
        if (o.Clients > 0)
        {
            Console.WriteLine($"| {o.Clients} clients, single queries, each alone: p50 / p99, queries/s | {exact.Direct.Format()} | {quantized.Direct.Format()} |");
            Console.WriteLine($"| {o.Clients} clients, single queries, merged (SearchBatcher): p50 / p99, queries/s | {exact.ThroughBatcher.Format()} | {quantized.ThroughBatcher.Format()} |");
        }
        Console.WriteLine($"| filtered (half the rows match), {o.Batch}/batch: per query | {exact.FilteredMs:F2} ms | {quantized.FilteredMs:F2} ms |");
        Console.WriteLine($"| recall@{o.Top} against the exact collection | {exact.Recall:F4} | {quantized.Recall:F4} |");
        Console.WriteLine($"| peak working set (the bench's own buffers included) | {peakGb:F2} GB | |");
        Console.WriteLine();
        figures.Add("peak_gb", peakGb);
        figures.Save();

        if (o.NoPython) return 0;
        return await RunReference(o);
    }

    private sealed class Measured
    {
        public double LoadSeconds, HeapGb, Qps, FilteredMs, Recall;
        public List<double> PerQueryMs = [], SingleMs = [], SingleOneThreadMs = [];
        public List<IReadOnlyList<FaceMatch>> Results = [];
        public Latencies Direct = null!, ThroughBatcher = null!;

        public double BatchedMs(double p) => Percentile(PerQueryMs, p);

        /// <summary>The last repeat's per-query percentiles, one value a repeat under each key.</summary>
        public void Record(BenchFigures figures, string key)
        {
            figures.Add(key + ".batched.p50_ms", BatchedMs(50));
            figures.Add(key + ".batched.p99_ms", BatchedMs(99));
            figures.Add(key + ".batched.qps", Qps);
            figures.Add(key + ".single.p50_ms", Percentile(SingleMs, 50));
            figures.Add(key + ".single.p99_ms", Percentile(SingleMs, 99));
        }
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetGCMemoryInfo().HeapSizeBytes;
    }

    private static async Task Measure(EmbeddedVectorIndex index, string collection, List<float[]> queries, Options o, Measured m, bool keepResults)
    {
        await index.SearchAsync(collection, queries.Take(o.Batch).ToList(), o.Top); // warm-up
        m.PerQueryMs.Clear();
        var total = Stopwatch.StartNew();
        for (var start = 0; start < queries.Count; start += o.Batch)
        {
            var batch = queries.Skip(start).Take(o.Batch).ToList();
            var watch = Stopwatch.StartNew();
            var found = await index.SearchAsync(collection, batch, o.Top);
            if (keepResults) m.Results.AddRange(found);
            m.PerQueryMs.AddRange(Enumerable.Repeat(watch.Elapsed.TotalMilliseconds / batch.Count, batch.Count));
        }
        m.Qps = queries.Count / total.Elapsed.TotalSeconds;
        m.SingleMs = await Singles(index, collection, queries, o);

        var filter = new FaceFilter(DatasetId: "ds-1");
        var filteredWatch = Stopwatch.StartNew();
        var filtered = await index.SearchAsync(collection, queries.Take(o.Batch).ToList(), o.Top, filter);
        m.FilteredMs = filteredWatch.Elapsed.TotalMilliseconds / o.Batch;
        if (filtered.SelectMany(r => r).Any(f => f.Payload.DatasetId != "ds-1")) throw new InvalidOperationException("filter leaked");
    }

    private sealed record Latencies(List<double> Ms, double Qps)
    {
        public string Format() => $"{Percentile(Ms, 50):F1} / {Percentile(Ms, 99):F1} ms, {Qps:F0}/s";
    }

    /// <summary>Clients each sending single queries one after another, all at once: each query's latency and the total rate.</summary>
    private static async Task<Latencies> Concurrent(Func<float[], Task> search, List<float[]> queries, Options o)
    {
        var ms = new System.Collections.Concurrent.ConcurrentBag<double>();
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < o.Singles; i = Interlocked.Increment(ref next))
            {
                var watch = Stopwatch.StartNew();
                await search(queries[i % queries.Count]);
                ms.Add(watch.Elapsed.TotalMilliseconds);
            }
        })));
        return new Latencies([.. ms], o.Singles / total.Elapsed.TotalSeconds);
    }

    private static async Task<List<double>> Singles(EmbeddedVectorIndex index, string collection, List<float[]> queries, Options o)
    {
        await index.SearchAsync(collection, [queries[0]], o.Top); // warm-up
        var ms = new List<double>();
        foreach (var q in queries.Take(o.Singles))
        {
            var watch = Stopwatch.StartNew();
            await index.SearchAsync(collection, [q], o.Top);
            ms.Add(watch.Elapsed.TotalMilliseconds);
        }
        return ms;
    }

    /// <summary>Share of the exact top-k ids the other results also hold.</summary>
    private static double Recall(List<IReadOnlyList<FaceMatch>> exact, List<IReadOnlyList<FaceMatch>> other, int k)
    {
        long found = 0;
        for (var q = 0; q < exact.Count; q++)
            found += other[q].Select(m => m.Id).Intersect(exact[q].Select(m => m.Id)).Count();
        return found / (double)(exact.Count * k);
    }

    private static async Task<(double GenerateSeconds, double ExactSeconds, double QuantizedSeconds)> Build(Options o, string root, float[][] centres)
    {
        const int chunk = 16384;
        double generate = 0, exact = 0, quantized = 0;
        using var index = new EmbeddedVectorIndex(root);
        await index.CreateCollectionAsync(Exact, o.Dim);
        await index.CreateCollectionAsync(Quantized, o.Dim, VectorQuantization.Int8);
        await using var file = new FileStream(Path.Combine(o.Dir, "vectors.f32"), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        WriteHeader(file, o.N, o.Dim);
        var origin = new float[o.Dim];
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
                    o.Data == "random" ? Sample(rng, origin, 1f) : Sample(rng, centres[cluster], o.Noise),
                    new FacePayload($"c{cluster}", $"ds-{row % 2}", "bench-model", null));
            });
            foreach (var p in points) file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Vector.AsSpan()));
            generate += watch.Elapsed.TotalSeconds;
            watch.Restart();
            await index.UpsertAsync(Exact, points);
            exact += watch.Elapsed.TotalSeconds;
            watch.Restart();
            await index.UpsertAsync(Quantized, points);
            quantized += watch.Elapsed.TotalSeconds;
            if (start / chunk % 10 == 0) Console.Write($"\r  built {start + count:N0}/{o.N:N0}");
        }
        Console.WriteLine();
        return (generate, exact, quantized);
    }

    private static float[][] Centres(Options o)
    {
        var rng = new Random(1);
        return Enumerable.Range(0, o.Clusters).Select(_ => Sample(rng, new float[o.Dim], 1f)).ToArray();
    }

    private static List<float[]> Queries(Options o, float[][] centres)
    {
        var rng = new Random(2);
        return Enumerable.Range(0, o.Queries)
            .Select(_ => o.Data == "random" ? Sample(rng, new float[o.Dim], 1f) : Sample(rng, centres[rng.Next(o.Clusters)], o.Noise))
            .ToList();
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
                             "--batch", o.Batch.ToString(CultureInfo.InvariantCulture), "--hnsw-n", o.HnswN.ToString(CultureInfo.InvariantCulture),
                             "--hnsw-seconds", o.HnswSeconds.ToString(CultureInfo.InvariantCulture), "--repeat", o.Repeat.ToString(CultureInfo.InvariantCulture),
                             "--numpy-queries", o.NumpyQueries.ToString(CultureInfo.InvariantCulture), "--singles", o.Singles.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        };
        if (o.Json is not null) start.ArgumentList.Add("--json=" + o.Json + ".reference");
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
        int N, int Dim, string Data, int Queries, int Batch, int Singles, int Clients, int Top, int Clusters, float Noise, string Dir, string Python, int HnswN, bool NoPython,
        int Repeat = 1, int HnswSeconds = 0, int NumpyQueries = 0, string? Json = null)
    {
        public static Options? Parse(string[] args)
        {
            var o = new Options(1_000_000, 512, "clustered", 1000, 64, 200, 16, 10, 10_000, 0.04f, "/tmp/vindex-bench", "/usr/bin/python3", 200_000, false);
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "--n" => o with { N = NextInt() },
                    "--dim" => o with { Dim = NextInt() },
                    "--data" => Next() is var data && data is "clustered" or "random" ? o with { Data = data } : null,
                    "--queries" => o with { Queries = NextInt() },
                    "--singles" => o with { Singles = NextInt() },
                    "--clients" => o with { Clients = NextInt() },
                    "--batch" => o with { Batch = NextInt() },
                    "--top" => o with { Top = NextInt() },
                    "--clusters" => o with { Clusters = NextInt() },
                    "--noise" => o with { Noise = float.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--dir" => o with { Dir = Next() },
                    "--python" => o with { Python = Next() },
                    "--hnsw-n" => o with { HnswN = NextInt() },
                    "--no-python" => o with { NoPython = true },
                    "--repeat" => o with { Repeat = NextInt() },
                    "--hnsw-seconds" => o with { HnswSeconds = NextInt() },
                    "--numpy-queries" => o with { NumpyQueries = NextInt() },
                    "--json" => o with { Json = Next() },
                    _ => null,
                };
                if (o is null) return null;
            }
            return o;
        }
    }
}
