using System.Diagnostics;

namespace ShanghaiChain.Tests;

/// <summary>Runs a program to its end, as a user would from a shell, for tests that drive real executables.</summary>
internal static class ChildProcess
{
    /// <summary>The program's exit code and everything it printed (stdout, then stderr); fails the wait after <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
