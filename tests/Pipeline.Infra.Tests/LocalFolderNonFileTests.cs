using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Infra.Blobs;

namespace Pipeline.Infra.Tests;

/// <summary>
/// What only the local folder store can meet: things in its folders that are not files. A blob is a regular
/// file reached through real folders; links, FIFOs and the like are never followed or opened, read as
/// absent, list as nothing, and are logged as skipped.
/// </summary>
public sealed class LocalFolderNonFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("blobs-").FullName;
    private readonly List<string> _log = [];
    private readonly LocalFolderBlobStore _store;

    public LocalFolderNonFileTests() => _store = new LocalFolderBlobStore(_root, logger: new ListLogger(_log));

    private string P(string relative) => Path.Combine(_root, relative);

    [Fact]
    public async Task Links_and_a_FIFO_in_a_container_are_never_followed_or_opened()
    {
        await _store.PutTextAsync("drops", "celebs/alice/a.jpg", "a");
        File.WriteAllText(P("secret.txt"), "outside the container");
        File.CreateSymbolicLink(P("drops/celebs/alice/passwd.jpg"), P("secret.txt"));
        Directory.CreateDirectory(P("elsewhere/bob"));
        File.WriteAllText(P("elsewhere/bob/b.jpg"), "b");
        Directory.CreateSymbolicLink(P("drops/celebs/bob"), P("elsewhere/bob"));
        Directory.CreateSymbolicLink(P("drops/linked"), P("elsewhere"));
        MakeFifo(P("drops/celebs/alice/pipe.jpg"));

        var listing = await Within(_store.ListAsync("drops", "celebs/"));
        Assert.Equal(["celebs/alice/a.jpg"], listing.Select(e => e.Path));
        Assert.Equal(["celebs/alice/a.jpg"], (await Within(_store.ListAsync("drops"))).Select(e => e.Path));
        Assert.Equal(["celebs"], await Within(_store.ListFoldersAsync("drops")));
        Assert.Empty(await Within(_store.ListAsync("drops", "linked/")));

        foreach (var path in new[] { "celebs/alice/passwd.jpg", "celebs/alice/pipe.jpg", "celebs/bob/b.jpg", "linked/bob/b.jpg" })
        {
            Assert.Null(await Within(_store.GetAsync("drops", path)));
            Assert.False(await Within(_store.ExistsAsync("drops", path)));
            Assert.Null(await Within(_store.GetInfoAsync("drops", path)));
            Assert.Null(_store.LocalFile("drops", path));
        }
        Assert.Contains(_log, l => l.Contains("drops/celebs/alice/passwd.jpg: a symbolic link, not a blob: skipped"));
        Assert.Contains(_log, l => l.Contains("drops/celebs/alice/pipe.jpg: a FIFO (named pipe), not a blob: skipped"));
        Assert.Contains(_log, l => l.Contains("drops/celebs/bob: a symbolic link"));
    }

    [Fact]
    public async Task Writing_through_a_linked_folder_is_refused()
    {
        Directory.CreateDirectory(P("elsewhere"));
        Directory.CreateDirectory(P("drops"));
        Directory.CreateSymbolicLink(P("drops/linked"), P("elsewhere"));

        var e = await Assert.ThrowsAsync<IOException>(() => _store.PutTextAsync("drops", "linked/x.jpg", "x"));
        Assert.Contains("symbolic link, not a folder", e.Message);
        Assert.False(File.Exists(P("elsewhere/x.jpg")));
    }

    /// <summary>The call's result; a call still blocked (opening the FIFO) after a minute fails the test.</summary>
    private static async Task<T> Within<T>(Task<T> call)
    {
        if (await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(60))) != call) Assert.Fail("the store blocked: it opened a FIFO");
        return await call;
    }

    private static void MakeFifo(string path)
    {
        using var p = Process.Start("mkfifo", path);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    public void Dispose()
    {
        // A FIFO some reader still blocks on is freed by opening it for writing.
        foreach (var fifo in Directory.EnumerateFiles(_root, "pipe.jpg", SearchOption.AllDirectories))
            try { using var _ = new FileStream(fifo, FileMode.Open, FileAccess.Write | FileAccess.Read); } catch (IOException) { }
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(formatter(state, exception));
        }
    }
}
