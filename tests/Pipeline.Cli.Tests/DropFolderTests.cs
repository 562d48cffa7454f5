using System.Diagnostics;
using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Cli.Tests;

/// <summary>`pipeline drop` of a folder holding more than files: only regular files are uploaded, the rest is reported.</summary>
public sealed class DropFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-drop-").FullName;

    private string P(string relative) => Path.Combine(_dir, relative);

    [Fact]
    public void A_folder_with_links_and_a_FIFO_uploads_only_its_files_and_says_what_it_skipped()
    {
        Directory.CreateDirectory(P("faces/alice"));
        Directory.CreateDirectory(P("faces/bob"));
        File.WriteAllText(P("faces/alice/a.jpg"), "a");
        File.WriteAllText(P("faces/bob/b.jpg"), "b");
        File.WriteAllText(P("secret.txt"), "a system file");
        Directory.CreateDirectory(P("outside/carol"));
        File.WriteAllText(P("outside/carol/c.jpg"), "c");
        File.CreateSymbolicLink(P("faces/alice/passwd.jpg"), P("secret.txt"));
        Directory.CreateSymbolicLink(P("faces/carol"), P("outside/carol"));
        MakeFifo(P("faces/bob/pipe.jpg"));

        var (code, output, err) = Exec(new Dictionary<string, string?> { ["Pipeline__LocalRoot"] = P("store") },
            "drop", "--data", P("faces"), "--name", "faces", "--json");

        Assert.True(code == 0, $"pipeline drop exited {code}:\n{err}");
        var stored = Directory.EnumerateFiles(P("store/drops/faces"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(P("store/drops/faces"), f).Replace('\\', '/')).Order(StringComparer.Ordinal);
        Assert.Equal(["_READY", "alice/a.jpg", "bob/b.jpg"], stored);
        using var summary = JsonDocument.Parse(output);
        Assert.Equal(2, summary.RootElement.GetProperty("files").GetInt32());
        var skipped = summary.RootElement.GetProperty("skipped").EnumerateArray()
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("reason").GetString()!);
        Assert.Equal(["alice/passwd.jpg", "bob/pipe.jpg", "carol"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("symlink: symbolic link to ", skipped["alice/passwd.jpg"]);
        Assert.StartsWith("symlink: ", skipped["carol"]);
        Assert.Equal("not-a-regular-file: a FIFO (named pipe) is never opened", skipped["bob/pipe.jpg"]);
        Assert.Contains($"skipped {P("faces/bob/pipe.jpg")}: not-a-regular-file", err);
    }

    [Fact]
    public void A_FIFO_named_as_the_archive_is_refused_before_it_is_opened()
    {
        MakeFifo(P("faces.tar.gz"));
        var (code, _, err) = Exec(new Dictionary<string, string?> { ["Pipeline__LocalRoot"] = P("store") },
            "drop", "--data", P("faces.tar.gz"), "--name", "faces");
        Assert.Equal(1, code);
        Assert.Contains($"{P("faces.tar.gz")}: a FIFO (named pipe), not an archive file", err);
    }

    private static void MakeFifo(string path)
    {
        using var p = Process.Start("mkfifo", path);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>Runs the CLI; one still running after a minute (blocked opening a FIFO) is killed and the test fails.</summary>
    private static (int Code, string Out, string Err) Exec(Dictionary<string, string?> env, params string[] args)
    {
        var dll = Path.Combine(RepoPaths.Root, "tools", "Pipeline.Cli", "bin", RepoPaths.Configuration, "net10.0", "pipeline.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[dll, .. args]) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"pipeline {string.Join(' ', args)} still running after 60 s: blocked on a FIFO?");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
