using System.Runtime.InteropServices;

namespace Pipeline.Infra.Blobs;

/// <summary>What a path is, without following a symbolic link or opening it (opening a FIFO blocks).
/// The same lstat as Pipeline.Datasets.FileKinds (Infra does not reference Datasets).</summary>
internal enum LocalFileKind { Missing, Regular, Directory, Symlink, Fifo, Socket, CharacterDevice, BlockDevice, Other }

/// <summary>
/// lstat for .NET: FileSystemInfo reports a FIFO or a device as a Normal file, so on Linux the file type
/// comes from statx(AT_SYMLINK_NOFOLLOW), whose layout is the same on every architecture. Elsewhere only
/// links are told apart (FileSystemInfo.LinkTarget).
/// </summary>
internal static partial class LocalFileKinds
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxType = 0x1, StatxSize = 256, ModeOffset = 28;

    public static LocalFileKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is 2 or 20) return LocalFileKind.Missing; // ENOENT, ENOTDIR
                if (errno != 38) throw new IOException($"{path}: cannot stat (errno {errno})"); // 38 = ENOSYS: fall back below
            }
            else
            {
                return (MemoryMarshal.Read<ushort>(buffer[ModeOffset..]) & 0xF000) switch
                {
                    0x8000 => LocalFileKind.Regular,
                    0x4000 => LocalFileKind.Directory,
                    0xA000 => LocalFileKind.Symlink,
                    0x1000 => LocalFileKind.Fifo,
                    0xC000 => LocalFileKind.Socket,
                    0x2000 => LocalFileKind.CharacterDevice,
                    0x6000 => LocalFileKind.BlockDevice,
                    _ => LocalFileKind.Other,
                };
            }
        }
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists) return LocalFileKind.Missing;
        }
        if (info.LinkTarget is not null) return LocalFileKind.Symlink;
        return info is DirectoryInfo ? LocalFileKind.Directory
            : info.Attributes.HasFlag(FileAttributes.Device) ? LocalFileKind.CharacterDevice : LocalFileKind.Regular;
    }

    /// <summary>"symbolic link", "FIFO", ... for messages.</summary>
    public static string Describe(LocalFileKind kind) => kind switch
    {
        LocalFileKind.Symlink => "symbolic link",
        LocalFileKind.Fifo => "FIFO (named pipe)",
        LocalFileKind.Socket => "socket",
        LocalFileKind.CharacterDevice => "character device",
        LocalFileKind.BlockDevice => "block device",
        LocalFileKind.Directory => "folder",
        LocalFileKind.Missing => "missing",
        LocalFileKind.Regular => "regular file",
        _ => "special file",
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);
}
