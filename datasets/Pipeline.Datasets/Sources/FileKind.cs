using System.Runtime.InteropServices;

namespace Pipeline.Datasets;

/// <summary>What a path is, without following a symbolic link or opening it (opening a FIFO blocks).</summary>
public enum FileKind { Missing, Regular, Directory, Symlink, Fifo, Socket, CharacterDevice, BlockDevice, Other }

/// <summary>
/// lstat for .NET: FileSystemInfo reports a FIFO or a device as a Normal file, so on Linux the file type
/// comes from statx(AT_SYMLINK_NOFOLLOW), whose layout is the same on every architecture. Elsewhere only
/// links are told apart (FileSystemInfo.LinkTarget).
/// </summary>
public static partial class FileKinds
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxType = 0x1, StatxSize = 256, ModeOffset = 28;

    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is 2 or 20) return FileKind.Missing; // ENOENT, ENOTDIR
                if (errno != 38) throw new IOException($"{path}: cannot stat (errno {errno})"); // 38 = ENOSYS: fall back below
            }
            else
            {
                return (MemoryMarshal.Read<ushort>(buffer[ModeOffset..]) & 0xF000) switch
                {
                    0x8000 => FileKind.Regular,
                    0x4000 => FileKind.Directory,
                    0xA000 => FileKind.Symlink,
                    0x1000 => FileKind.Fifo,
                    0xC000 => FileKind.Socket,
                    0x2000 => FileKind.CharacterDevice,
                    0x6000 => FileKind.BlockDevice,
                    _ => FileKind.Other,
                };
            }
        }
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists) return FileKind.Missing;
        }
        if (info.LinkTarget is not null) return FileKind.Symlink;
        return info is DirectoryInfo ? FileKind.Directory
            : info.Attributes.HasFlag(FileAttributes.Device) ? FileKind.CharacterDevice : FileKind.Regular;
    }

    /// <summary>"symbolic link", "FIFO", ... for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Symlink => "symbolic link",
        FileKind.Fifo => "FIFO (named pipe)",
        FileKind.Socket => "socket",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Directory => "folder",
        FileKind.Missing => "missing",
        FileKind.Regular => "regular file",
        _ => "special file",
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);
}
