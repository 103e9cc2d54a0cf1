using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Chaos;

/// <summary>
/// One validator as a real `shanghaichain start` process: started (optionally inside a network namespace and under
/// libfaketime), killed, paused, resumed and stopped with real signals. Every incarnation's output is appended to
/// one log file, which the checker reads afterwards.
/// </summary>
internal sealed partial class ChaosNode : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly string _nodeDll;
    private readonly string? _namespace;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private Process? _process;
    private volatile bool _serving;
    private volatile string? _lastLine;
    private bool _closed;

    public ChaosNode(int index, NodeHome home, string apiUrl, string nodeDll, string? networkNamespace, string logFile)
    {
        Index = index;
        Home = home;
        ApiUrl = apiUrl;
        _nodeDll = nodeDll;
        _namespace = networkNamespace;
        LogFile = logFile;
        _log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public int Index { get; }

    public NodeHome Home { get; }

    public string ApiUrl { get; }

    public string LogFile { get; }

    public int Incarnations { get; private set; }

    public bool Paused { get; private set; }

    public bool Running => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The clock offset of the running incarnation (libfaketime), if any.</summary>
    public string? ClockOffset { get; private set; }

    /// <summary>Starts an incarnation and waits until it serves its API (or exits, which throws with the log's tail).</summary>
    public async Task StartAsync(TimeSpan timeout, string? fakeTimeOffset = null, string? fakeTimeLibrary = null)
    {
        if (Running)
        {
            throw new InvalidOperationException($"node {Index} is running");
        }
        _process?.Dispose();
        var info = new ProcessStartInfo(_namespace is null ? "dotnet" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (_namespace is not null)
        {
            // `ip netns exec` enters the namespace and execs the command: the pid we hold is the node's own.
            foreach (var arg in new[] { "netns", "exec", _namespace, "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        foreach (var arg in new[] { _nodeDll, "start", "--home", Home.Root })
        {
            info.ArgumentList.Add(arg);
        }
        ClockOffset = fakeTimeOffset;
        if (fakeTimeOffset is not null && fakeTimeLibrary is not null)
        {
            // The wall clock is off by the offset, as on a host whose NTP is off by a few seconds. The monotonic clock gets
            // the same constant offset, which no interval notices. It must not be left alone
            // (FAKETIME_DONT_FAKE_MONOTONIC=1): libfaketime 0.9.10 then moves the deadlines of timed waits on
            // CLOCK_MONOTONIC condition variables, which .NET uses for every Monitor.Wait, ManualResetEventSlim.Wait and
            // Task.Wait with a timeout, so that they return at once. Among them is System.CommandLine's wait for the
            // command after SIGTERM: it ended the process with 143 in the middle of its shutdown (tools/chaos/README.md).
            info.Environment["LD_PRELOAD"] = fakeTimeLibrary;
            info.Environment["FAKETIME"] = fakeTimeOffset;
            info.Environment["FAKETIME_NO_CACHE"] = "1";
        }
        _serving = false;
        Paused = false;
        Incarnations++;
        Write($"=== chaos: incarnation {Incarnations} of node {Index}{(fakeTimeOffset is null ? "" : $", clock {fakeTimeOffset}")} at {DateTime.UtcNow:O} ===");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + timeout;
        while (!_serving)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"node {Index} exited with {process.ExitCode} before serving; last line: {_lastLine}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node {Index} did not serve its API within {timeout}; last line: {_lastLine}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lastLine = line;
        if (line.Contains("serving the API", StringComparison.Ordinal))
        {
            _serving = true;
        }
        Write(line);
    }

    public void Write(string line)
    {
        lock (_logLock)
        {
            // The last lines of a killed process may arrive after the run has closed the log.
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>SIGKILL: nothing is flushed; what survives is what the node synced.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signal(process, SigKill);
            await process.WaitForExitAsync().ConfigureAwait(false);
            Write($"=== chaos: SIGKILL node {Index} ===");
        }
        Paused = false;
    }

    /// <summary>SIGTERM and wait for the clean shutdown; SIGKILL after <paramref name="timeout"/> (reported).</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } process)
        {
            return true;
        }
        if (Paused)
        {
            Signal(process, SigCont);
            Paused = false;
        }
        Write($"=== chaos: SIGTERM node {Index} ===");
        Signal(process, SigTerm);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            Write($"=== chaos: node {Index} exited with {process.ExitCode} ===");
            return true;
        }
        catch (OperationCanceledException)
        {
            Write($"=== chaos: node {Index} did not stop within {timeout.TotalSeconds:F0} s of SIGTERM; SIGKILL ===");
            await KillAsync().ConfigureAwait(false);
            return false;
        }
    }

    public void Pause()
    {
        if (_process is { HasExited: false } process)
        {
            Signal(process, SigStop);
            Paused = true;
            Write($"=== chaos: SIGSTOP node {Index} ===");
        }
    }

    public void Resume()
    {
        if (_process is { HasExited: false } process && Paused)
        {
            Signal(process, SigCont);
            Paused = false;
            Write($"=== chaos: SIGCONT node {Index} ===");
        }
    }

    /// <summary>Waits until the running incarnation exits on its own; false after the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null)
        {
            return true;
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            Write(string.Create(CultureInfo.InvariantCulture, $"=== chaos: node {Index} exited with {_process.ExitCode} ==="));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Signal(Process process, int signal)
    {
        if (Kill(process.Id, signal) != 0 && !process.HasExited)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed for node {Index}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        lock (_logLock)
        {
            _closed = true;
            _log.Dispose();
        }
    }
}
