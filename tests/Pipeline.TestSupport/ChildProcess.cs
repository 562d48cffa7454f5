using System.Diagnostics;

namespace Pipeline.TestSupport;

/// <summary>Runs a program to its end and gives back its exit code and what it wrote.</summary>
public static class ChildProcess
{
    /// <param name="environment">Variables to set; a null value removes the variable the test process would pass on.</param>
    public static (int Code, string Out, string Err) Run(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
