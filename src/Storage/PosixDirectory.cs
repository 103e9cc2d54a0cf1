using System.Runtime.InteropServices;

namespace ShanghaiChain.Storage;

/// <summary>
/// fsync of a directory, which makes a rename inside it durable. .NET cannot open a directory as a file handle,
/// so this goes to libc directly (Linux and macOS).
/// </summary>
internal static partial class PosixDirectory
{
    private const int ReadOnly = 0;

    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (FileSync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
