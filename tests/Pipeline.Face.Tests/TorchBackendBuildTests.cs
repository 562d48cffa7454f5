using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Face.Tests;

/// <summary>
/// The build switch between libtorch for the CPU and for CUDA (`TorchBackend`), checked by
/// evaluating the face library's project with MSBuild: nothing is restored, so the CUDA package
/// need not be reachable from here.
/// </summary>
public class TorchBackendBuildTests
{
    [Fact]
    public void The_default_build_takes_libtorch_for_the_cpu()
    {
        var refs = PackageReferences(null);
        Assert.Contains("libtorch-cpu-linux-x64", refs);
        Assert.DoesNotContain(refs, r => r.Contains("cuda"));
    }

    [Fact]
    public void TorchBackend_cuda_takes_libtorch_for_cuda_of_the_same_libtorch_version()
    {
        var refs = PackageReferences("cuda");
        Assert.Contains("libtorch-cuda-12.8-linux-x64", refs);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", refs);
        Assert.Contains("TorchSharp", refs);

        // TorchSharp binds one libtorch release: both backends must name the same version.
        var versions = Evaluate("-getItem:PackageVersion", null).RootElement.GetProperty("Items").GetProperty("PackageVersion")
            .EnumerateArray().ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString());
        Assert.Equal(versions["libtorch-cpu-linux-x64"], versions["libtorch-cuda-12.8-linux-x64"]);
    }

    [Fact]
    public void An_unknown_backend_is_refused_with_its_name()
    {
        var (code, output) = MsBuild("-t:CheckTorchBackend", "rocm");
        Assert.NotEqual(0, code);
        Assert.Contains("TorchBackend 'rocm' is not one of: cpu, cuda", output);
    }

    private static string[] PackageReferences(string? backend) =>
        Evaluate("-getItem:PackageReference", backend).RootElement.GetProperty("Items").GetProperty("PackageReference")
            .EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray();

    private static JsonDocument Evaluate(string what, string? backend)
    {
        var (code, output) = MsBuild(what, backend);
        Assert.True(code == 0, output);
        return JsonDocument.Parse(output);
    }

    private static (int Code, string Output) MsBuild(string what, string? backend)
    {
        string[] args = ["msbuild", Path.Combine(RepoPaths.Root, "face", "Pipeline.Face", "Pipeline.Face.csproj"), what, "-nologo"];
        // The switch is a property; the environment would set it too, so the test fixes it either way.
        var (code, output, errors) = ChildProcess.Run("dotnet", backend is null ? args : [.. args, $"-p:TorchBackend={backend}"],
            new Dictionary<string, string?> { ["TorchBackend"] = null });
        return (code, output + errors);
    }
}
