using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Client.Tests;

/// <summary>
/// A real single-validator node for the client's tests: a home made by `shanghaichain init`, the node process started
/// with `shanghaichain start`, stopped with SIGTERM as a service manager would, and restarted on the same home and port.
/// </summary>
internal sealed class LocalNode : IAsyncDisposable
{
    private readonly string _root;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private LocalNode(string root, string suite, int port)
    {
        _root = root;
        Suite = suite;
        Port = port;
    }

    public string Suite { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string Home => Path.Combine(_root, "home");

    /// <summary>The account genesis funds (init's operator key).</summary>
    public string OperatorKeyFile => Path.Combine(Home, "config", "operator_key.json");

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

    public static async Task<LocalNode> StartAsync(string suite)
    {
        var root = Directory.CreateTempSubdirectory("shc-client-").FullName;
        var node = new LocalNode(root, suite, FreePort());
        var init = await RunAsync(Dll("src/Node/bin", "shanghaichain.dll"), "init", "--home", node.Home, "--chain-id", "client-test", "--crypto", suite,
            "--api-listen", $"127.0.0.1:{node.Port}", "--p2p-listen", "", "--metrics-listen", "");
        Assert.True(init.ExitCode == 0, init.Output);
        await node.StartAsync();
        return node;
    }

    /// <summary>Starts the node process and waits until its API answers with a committed block.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("dotnet", [Dll("src/Node/bin", "shanghaichain.dll"), "start", "--home", Home])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            Assert.False(_process.HasExited, "the node exited while starting:\n" + Log);
            try
            {
                using var client = await ShanghaiChainClient.ConnectAsync(Url);
                if ((await client.GetStatusAsync()).HeadHeight >= 1)
                {
                    return;
                }
            }
            catch (ShanghaiChainException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            Assert.True(DateTime.UtcNow < deadline, "the node did not commit a block within 90 s:\n" + Log);
            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM and wait for the clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        using (var signal = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            await signal.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying process: the temp dir is cleaned by the OS later.
        }
    }

    /// <summary>A program built beside these tests in the same configuration (the node, the example application).</summary>
    public static string Dll(string binDir, string name)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(RepositoryPaths.Root, binDir, configuration, "net10.0", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {binDir} first", path);
    }

    /// <summary>Runs a program to its end; its exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string dll, params string[] args) =>
        ChildProcess.RunAsync("dotnet", [dll, .. args], TimeSpan.FromSeconds(120));

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

    /// <summary>
    /// A free port below the ephemeral range, so outgoing connections of the tests cannot take it first, and below the
    /// range Node.Tests hands out (20,000-32,000), since both test projects run at once.
    /// </summary>
    private static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(10_000, 20_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }
}
