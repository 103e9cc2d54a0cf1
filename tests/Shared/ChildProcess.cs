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

/// <summary>
/// A long-running child process (a node, a relayer) whose output is kept for failure messages; killed with SIGKILL
/// when disposed, or stopped with SIGTERM as a service manager would.
/// </summary>
internal class LoggedProcess : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _log = new();

    protected LoggedProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    protected Process Process { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>Everything the process printed so far, stdout and stderr interleaved as they came.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Waits until the process has printed <paramref name="text"/> (a line printed after its ports first answer, such as
    /// the node's startup report); fails with the log when it exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited || clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the process {(HasExited ? "exited" : $"did not print it within {timeout}")} before printing '{text}':\n{Log}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (what a service manager sends): the process's clean shutdown. Returns the exit code.</summary>
    public async Task<int> TerminateAsync(CancellationToken cancellationToken)
    {
        using (var signal = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await signal.WaitForExitAsync(cancellationToken);
        }
        await Process.WaitForExitAsync(cancellationToken);
        return Process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushes; what survives is what was synced.</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Process.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
