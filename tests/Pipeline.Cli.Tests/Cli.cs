using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Cli.Tests;

/// <summary>The built `pipeline` executable, run as a user runs it.</summary>
public static class Cli
{
    public static string Dll => Path.Combine(RepoPaths.Root, "tools", "Pipeline.Cli", "bin", RepoPaths.Configuration, "net10.0", "pipeline.dll");

    /// <summary>Runs a verb with --json and returns its summary; fails the test when it exits non-zero.</summary>
    public static JsonElement Run(Dictionary<string, string>? env, params string[] args)
    {
        var (code, output, err) = Exec(env, args);
        Assert.True(code == 0, $"pipeline {string.Join(' ', args)} exited {code}:\n{err}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public static (int Code, string Out, string Err) Exec(Dictionary<string, string>? env, params string[] args) =>
        ChildProcess.Run("dotnet", [Dll, .. args], env?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
}
