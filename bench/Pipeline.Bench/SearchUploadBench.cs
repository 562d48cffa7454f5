using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Pipeline.Face.Backbones;
using Pipeline.Face.Heads;
using Pipeline.Face.Models;
using Pipeline.VectorIndex;
using Pipeline.VectorIndex.Embedded;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// What a hostile image upload costs the open search endpoint: the real Indexer (its built dll, as deployed) on
/// 127.0.0.1 over a tiny published model, one fresh process per case. After a warm-up search with a 112x112
/// PNG, the case's uploads are posted (one, or several at once) and the process's peak resident set (VmHWM)
/// is read before and after: the delta is what the uploads cost at their peak.
/// The Indexer runs with MALLOC_ARENA_MAX=2 as infra/deploy/compose.yaml sets it; --malloc-arenas 0 leaves glibc's default.
/// Usage: search-upload [--side 7000] [--concurrency 4] [--malloc-arenas 2]
/// </summary>
public sealed class SearchUploadBench : IBenchmark
{
    public string Name => "search-upload";
    public string Description => "peak memory of huge-pixel PNG/JPEG uploads to POST /api/search (single and concurrent)";

    private const string Run = "bench";

    public async Task<int> RunAsync(string[] args)
    {
        int side = BenchArgs.Int(args, "--side", 7000), concurrency = BenchArgs.Int(args, "--concurrency", 4);
        int arenas = BenchArgs.Int(args, "--malloc-arenas", 2);
        var root = Path.Combine(Path.GetTempPath(), $"search-upload-bench-{Environment.ProcessId}");
        try
        {
            PublishTinyModel(root);
            Console.Error.WriteLine($"rendering {side}x{side} PNG and JPEG ...");
            var inputs = new List<(string Name, byte[] Bytes)>
            {
                ("112x112 PNG (floor)", Render(112, 112, SKEncodedImageFormat.Png)),
                ($"{side}x{side} PNG", Render(side, side, SKEncodedImageFormat.Png)),
                ($"{side}x{side} JPEG", Render(side, side, SKEncodedImageFormat.Jpeg)),
                ("4000x3000 JPEG", Render(4000, 3000, SKEncodedImageFormat.Jpeg)),
                ("4000x4000 PNG", Render(4000, 4000, SKEncodedImageFormat.Png)),
                ("2800x2800 PNG", Render(2800, 2800, SKEncodedImageFormat.Png)),
            };
            var warm = Render(112, 112, SKEncodedImageFormat.Png);
            Console.WriteLine($"MALLOC_ARENA_MAX={(arenas > 0 ? arenas : "glibc default")}, {Environment.ProcessorCount} cores");
            Console.WriteLine("| input | bytes | uploads | outcome | peak memory (VmHWM delta) | wall |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var (name, bytes) in inputs)
                foreach (var n in new[] { 1, concurrency })
                {
                    var (outcome, delta, wall) = await MeasureAsync(root, warm, bytes, n, arenas);
                    Console.WriteLine($"| {name} | {bytes.Length / 1024} KB | {n} at once | {outcome} | {delta / (1024 * 1024)} MB | {wall:F1} s |");
                }
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A fresh Indexer: warm-up search, then <paramref name="n"/> uploads at once; the peak RSS they added.</summary>
    private static async Task<(string Outcome, long Delta, double Wall)> MeasureAsync(string root, byte[] warm, byte[] upload, int n, int arenas)
    {
        using var indexer = IndexerProcess.Start(root, arenas);
        using var http = new HttpClient { BaseAddress = new Uri(indexer.Url), Timeout = TimeSpan.FromMinutes(5) };
        await indexer.WaitHealthyAsync(http);
        var (warmStatus, warmBody) = await SearchAsync(http, warm);
        if (warmStatus != 200) throw new InvalidOperationException($"warm-up search answered {warmStatus}: {warmBody}\n{indexer.Log}");
        long before = indexer.PeakResidentBytes();
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => SearchAsync(http, upload)));
        clock.Stop();
        long after = indexer.PeakResidentBytes();
        var outcome = string.Join("; ", answers.GroupBy(a => (a.Status, Short(a.Body))).Select(g => $"{g.Count()}x {g.Key.Status} {g.Key.Item2}"));
        return (outcome, after - before, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(int Status, string Body)> SearchAsync(HttpClient http, byte[] image)
    {
        try
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "image", "upload.bin");
            form.Add(new StringContent("3"), "top");
            using var response = await http.PostAsync("/api/search", form);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            return (0, $"connection failed: {e.GetBaseException().Message}");
        }
    }

    private static string Short(string body)
    {
        var s = body.Contains("\"matches\"") ? "matches" : body.Replace('|', '/').Replace('\n', ' ');
        return s.Length <= 140 ? s : s[..140] + "...";
    }

    /// <summary>A tiny random model saved where the Indexer loads run 'bench' from, its collection and the serving alias.</summary>
    private static void PublishTinyModel(string root)
    {
        var info = new ModelInfo(BackboneSpec.Create("tiny", 112), 1, MarginSpec.ArcFace, ["a", "b"], null, DateTimeOffset.UnixEpoch);
        using (var model = new FaceModel(info, seed: 1)) model.Save(Path.Combine(root, "blobs", "models", Run, "final", "final"));
        using var index = new EmbeddedVectorIndex(Path.Combine(root, "index"));
        var collection = CollectionNames.ForModel(Run);
        int dim = info.Backbone.EmbeddingSize;
        index.CreateCollectionAsync(collection, dim).GetAwaiter().GetResult();
        var rng = new Random(1);
        var points = new[] { "a", "b" }.Select(id => new FacePoint($"ds/{id}", Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(),
            new FacePayload(id, "ds", Run, $"{id}/0.png"))).ToList();
        index.UpsertAsync(collection, points).GetAwaiter().GetResult();
        index.SetAliasAsync(CollectionNames.ServingAlias, collection).GetAwaiter().GetResult();
    }

    /// <summary>A smooth gradient with a few discs: compresses like a photo-sized bomb (tiny file, huge header).</summary>
    private static byte[] Render(int w, int h, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(90, 110, 130));
            using var paint = new SKPaint { Color = new SKColor(200, 160, 120), IsAntialias = true };
            canvas.DrawCircle(w / 2f, h / 2f, Math.Min(w, h) / 3f, paint);
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>The Indexer service as its own process, configured through the environment as in production.</summary>
    private sealed class IndexerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        private IndexerProcess(Process process, string url)
        {
            _process = process;
            Url = url;
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Url { get; }

        public string Log
        {
            get { lock (_log) return _log.ToString(); }
        }

        public static IndexerProcess Start(string root, int arenas)
        {
            var dll = Path.Combine(RepoRoot(), "services", "Indexer", "Pipeline.Indexer", "bin", Configuration(), "net10.0", "Pipeline.Indexer.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll}: Indexer not built (dotnet build -c {Configuration()} bench/Pipeline.Bench builds it)");
            var url = $"http://127.0.0.1:{FreePort()}";
            var start = new ProcessStartInfo("dotnet", [dll, "--urls", url])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root,
            };
            start.Environment["Pipeline__Transport"] = "InMemory";
            start.Environment["Pipeline__LocalRoot"] = Path.Combine(root, "blobs");
            start.Environment["Pipeline__EmbeddedIndexPath"] = Path.Combine(root, "index");
            start.Environment["Pipeline__WorkRoot"] = Path.Combine(root, "work");
            start.Environment["Pipeline__LedgerPath"] = Path.Combine(root, "ledger.db");
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            if (arenas > 0) start.Environment["MALLOC_ARENA_MAX"] = arenas.ToString(System.Globalization.CultureInfo.InvariantCulture);
            else start.Environment.Remove("MALLOC_ARENA_MAX");
            return new IndexerProcess(Process.Start(start)!, url);
        }

        public async Task WaitHealthyAsync(HttpClient http)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < until)
            {
                if (_process.HasExited) throw new InvalidOperationException($"indexer exited with {_process.ExitCode}:\n{Log}");
                try
                {
                    if ((await http.GetAsync("/health")).IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) { }
                await Task.Delay(200);
            }
            throw new TimeoutException($"indexer not healthy after 60 s:\n{Log}");
        }

        /// <summary>VmHWM: the most resident memory the process has had so far.</summary>
        public long PeakResidentBytes()
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            _process.Dispose();
        }

        private static string RepoRoot()
        {
            var d = new DirectoryInfo(AppContext.BaseDirectory);
            while (d is not null && !File.Exists(Path.Combine(d.FullName, "Pipeline.sln"))) d = d.Parent;
            return d?.FullName ?? throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
        }

        private static string Configuration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

        private static int FreePort()
        {
            var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
