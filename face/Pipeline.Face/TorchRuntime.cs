using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Pipeline.Face;

/// <summary>
/// Process-wide libtorch set-up, done once before any tensor exists: glibc malloc tuning (page
/// faults are expensive on these VMs and make libtorch 4-7x slower with the default
/// mmap/trim behaviour), thread count, and the device choice.
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

    /// <summary>Thread count from PIPELINE_THREADS, else the machine's cores.</summary>
    public static void ConfigureThreads()
    {
        var env = Environment.GetEnvironmentVariable("PIPELINE_THREADS");
        int n = int.TryParse(env, out var t) && t > 0 ? t : Environment.ProcessorCount;
        if (torch.get_num_threads() != n) torch.set_num_threads(n);
    }

    /// <summary>"auto" picks CUDA when present; "cuda" without CUDA is an error, not a silent fallback.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        ConfigureThreads();
        return name.ToLowerInvariant() switch
        {
            "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            "cpu" => torch.CPU,
            "cuda" => torch.cuda.is_available() ? torch.CUDA
                : throw new InvalidOperationException("--device cuda: CUDA is not available in this process (TorchSharp CPU runtime or no GPU)"),
            _ => throw new ArgumentException($"unknown device '{name}' (auto|cpu|cuda)"),
        };
    }
}
