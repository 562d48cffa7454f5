using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Pipeline.Face;

/// <summary>
/// Process-wide libtorch set-up, done once before any tensor exists: glibc malloc tuning (page
/// faults are expensive on VMs, and glibc's default mmap/trim behaviour hands back memory the next
/// tensor must fault in again; bench/experiments/training-step-profile.md), thread count, and the device choice.
/// </summary>
public static class TorchRuntime
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    private static int _initialised;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    /// <summary>Runs when the assembly loads, so every host and test gets it with no manual step.</summary>
#pragma warning disable CA2255 // a library module initializer is the point: one place for a process-wide fact
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnLoad() => Initialise();

    public static void Initialise()
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 1) return;
        if (OperatingSystem.IsLinux())
        {
            Mallopt(M_MMAP_MAX, 0);
            Mallopt(M_TRIM_THRESHOLD, int.MaxValue);
        }
    }

    /// <summary>Intra-op threads of a work thread (<see cref="OnOwnThread{T}"/>): PIPELINE_THREADS, else the machine's cores.</summary>
    public static int Threads { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_THREADS"), out var t) && t > 0 ? t : Environment.ProcessorCount;

    private static readonly Lock ThreadsLock = new();
    private static bool _defaultSet;
    [ThreadStatic] private static bool _onWorkThread;
    private static Action<int>? _ompSetNumThreads, _mklSetNumThreadsLocal;

    /// <summary>
    /// Makes one intra-op thread the process-wide default that every thread touching libtorch starts
    /// with; only the work threads of <see cref="OnOwnThread{T}"/> run with <see cref="Threads"/>.
    /// libgomp (libtorch's OpenMP) keeps a team of worker threads for every thread that ever ran a
    /// parallel region, until that thread exits, and once it manages more threads than there are
    /// cores it stops spinning between regions and parks its workers, for every team. .NET pool
    /// threads never exit, so a few model loads or embeddings on pool threads slowed every later training
    /// (bench/experiments/libgomp-thread-throttling.md). A pool thread with one intra-op thread makes no team.
    /// </summary>
    public static void ConfigureThreads()
    {
        lock (ThreadsLock)
        {
            if (_defaultSet) return;
            torch.get_num_threads(); // loads libtorch (and its libgomp) and initialises this thread
            torch.set_num_threads(1);
            _ompSetNumThreads = FindSetter("libgomp", "omp_set_num_threads");
            // MKL's C entry point; the lower-case export is the Fortran binding, which takes a pointer.
            _mklSetNumThreadsLocal = FindSetter("libtorch_cpu", "MKL_Set_Num_Threads_Local");
            _defaultSet = true;
        }
    }

    /// <summary>
    /// Runs libtorch work on a thread of its own with <see cref="Threads"/> intra-op threads and waits
    /// for it; when the thread exits its OpenMP team goes with it (see <see cref="ConfigureThreads"/>).
    /// </summary>
    public static T OnOwnThread<T>(Func<T> work)
    {
        ConfigureThreads();
        if (_onWorkThread) return work(); // nested (an embedding inside a training): this thread already has its team
        T result = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                torch.get_num_threads(); // libtorch initialises a thread's count lazily: first, so ours sticks
                // This thread's OpenMP and MKL settings only; at::set_num_threads would also change the default new threads take.
                if (_ompSetNumThreads is { } omp && _mklSetNumThreadsLocal is { } mkl) { omp(Threads); mkl(Threads); }
                else torch.set_num_threads(Threads);
                _onWorkThread = true;
                result = work();
            }
            catch (Exception e) { error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e); }
        }) { IsBackground = true, Name = "libtorch" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    /// <summary>A thread-count setter exported by a native library libtorch loaded (libgomp's file name carries a hash), if found.</summary>
    private static Action<int>? FindSetter(string libraryPrefix, string symbol)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var path = File.ReadLines("/proc/self/maps").Select(l => l.IndexOf('/') is int i and >= 0 ? l[i..] : "")
                .FirstOrDefault(p => Path.GetFileName(p).StartsWith(libraryPrefix, StringComparison.Ordinal));
            if (path is null || !NativeLibrary.TryLoad(path, out var lib) || !NativeLibrary.TryGetExport(lib, symbol, out var fn))
                return null;
            var setter = Marshal.GetDelegateForFunctionPointer<SetNumThreadsFn>(fn);
            return n => setter(n);
        }
        catch (IOException) { return null; }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetNumThreadsFn(int n); // omp_set_num_threads returns void: the register is ignored

    /// <summary>"auto" picks CUDA when present; "cuda" without CUDA is an error, not a silent fallback.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        return name.ToLowerInvariant() switch
        {
            "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            "cpu" => torch.CPU,
            "cuda" => torch.cuda.is_available() ? torch.CUDA
                : throw new InvalidOperationException("--device cuda: CUDA is not available in this process (no GPU, or built with libtorch for the CPU: build with TorchBackend=cuda)"),
            _ => throw new ArgumentException($"unknown device '{name}' (auto|cpu|cuda)"),
        };
    }
}
