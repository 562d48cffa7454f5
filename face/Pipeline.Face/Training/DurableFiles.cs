using System.Runtime.InteropServices;

namespace Pipeline.Face.Training;

/// <summary>
/// fsync for files and folders: a rename is only as durable as the data it points at and the folder entry it
/// changes, so both are flushed before a pointer such as a checkpoint's LATEST moves.
/// </summary>
internal static class DurableFiles
{
    /// <summary>Flushes a written file's data to disk (fsync).</summary>
    public static void FlushFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a folder's entries (new names, renames) to disk; Windows journals them itself and has no folder fsync.</summary>
    public static void FlushFolder(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, 0 /* O_RDONLY: also opens a folder, on Linux and macOS alike */);
        if (fd < 0) throw new IOException($"{path}: cannot open the folder to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"{path}: fsync of the folder failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
