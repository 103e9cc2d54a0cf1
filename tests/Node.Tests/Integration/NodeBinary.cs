using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>Runs the real `shanghaichain` executable (built beside these tests) as a child process.</summary>
internal static class NodeBinary
{
    /// <summary>How often a test re-checks a condition it waits for (always with an overall timeout).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>src/Node's own build output, in the configuration these tests were built with.</summary>
    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                ? "Release" : "Debug";
            var path = Path.Combine(RepositoryPaths.Root, "src", "Node", "bin", configuration, "net10.0", "shanghaichain.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("build src/Node first", path);
        }
    }

    private static readonly HashSet<int> HandedOut = [];
    private static readonly Random PortRandom = new();

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768+) so that outgoing connections of the running tests
    /// cannot take it before the node binds it, and never handed out twice in this test run.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var port = PortRandom.Next(20_000, 32_000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // Taken by something else on this machine: try another.
                }
            }
        }
    }

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_TieredPGO"] = "1";
        return info;
    }

    /// <summary>Runs a CLI command to completion and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunInAsync(null, null, args);

    /// <summary>Runs a CLI command in a working directory, with extra environment variables.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunInAsync(string? workingDirectory, IDictionary<string, string>? environment,
        params string[] args)
    {
        var info = StartInfo(args, workingDirectory);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A node process started from a home directory; killed (SIGKILL) or stopped by the test.</summary>
internal sealed class NodeProcess : LoggedProcess
{
    private NodeProcess(Process process, string url)
        : base(process)
    {
        Url = url;
    }

    public string Url { get; }

    public static async Task<NodeProcess> StartAsync(string home, int port, IDictionary<string, string>? environment = null, params string[] extraArgs)
    {
        var info = NodeBinary.StartInfo(["start", "--home", home, "--api-listen", $"127.0.0.1:{port}", .. extraArgs]);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var node = new NodeProcess(Process.Start(info)!, $"http://127.0.0.1:{port}");
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        return node;
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"node exited with {Process.ExitCode} before serving:\n{Log}");
            }
            if (Log.Contains("serving the API", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
        throw new TimeoutException($"node did not start within {timeout}:\n{Log}");
    }
}
