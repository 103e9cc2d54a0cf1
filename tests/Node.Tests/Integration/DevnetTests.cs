using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>The README's run command: `devnet` runs four validators as four processes and Ctrl-C stops them all.</summary>
[Collection("network")]
public sealed class DevnetTests
{
    [Fact]
    public async Task Devnet_runs_four_validator_processes_that_commit_a_transfer_and_an_interrupt_stops_them_all_cleanly()
    {
        var root = Directory.CreateTempSubdirectory("shc-devnet-").FullName;
        var basePort = FreeBlockOfPorts();
        var home = Path.Combine(root, "devnet");
        using var devnet = Process.Start(NodeBinary.StartInfo(["devnet", "--home", home, "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        var output = new StringBuilder();
        devnet.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        devnet.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        devnet.BeginOutputReadLine();
        devnet.BeginErrorReadLine();
        string Log() { lock (output) { return output.ToString(); } }
        try
        {
            // Four processes, each serving its API.
            using (var started = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
            {
                while (Enumerable.Range(0, 4).Any(i => !Log().Contains($"[validator-{i}] node 'validator-{i}' serving the API", StringComparison.Ordinal)))
                {
                    Assert.False(devnet.HasExited, "devnet exited:\n" + Log());
                    await Task.Delay(NodeBinary.PollInterval, started.Token);
                }
            }
            // The hint it prints works: the funded key commits a transfer through node 0.
            var key = Core.Keys.KeyFile.Load(Path.Combine(home, "operator_key.json"));
            ulong committedAt;
            using (var client = new ApiClient($"http://127.0.0.1:{basePort}"))
            {
                var tx = await client.SignTransferAsync(key, new Core.Primitives.Address(new byte[20]), 5, 0, chainId: "shanghai-dev");
                var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = Google.Protobuf.ByteString.CopyFrom(tx) })).TxId;
                var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 });
                Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
                committedAt = receipt.Receipt.BlockHeight;
            }
            // The last node's API serves the same block (it commits it on its own, a moment later).
            using (var client = new ApiClient($"http://127.0.0.1:{basePort + 30}"))
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: deadline.Token)).HeadHeight < committedAt)
                {
                    await Task.Delay(NodeBinary.PollInterval, deadline.Token);
                }
            }

            // Ctrl-C: SIGINT to the devnet process.
            using (var signal = Process.Start("kill", ["-INT", devnet.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await signal.WaitForExitAsync();
            }
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            try
            {
                await devnet.WaitForExitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the devnet did not stop within 40 s of SIGINT:\n{Log()}");
            }
            Assert.True(devnet.ExitCode == 0, $"devnet exited with {devnet.ExitCode}:\n{Log()}");
            // Every node stopped through its host's clean shutdown, and no API port is still served.
            for (var i = 0; i < 4; i++)
            {
                Assert.Contains($"[validator-{i}]", Log(), StringComparison.Ordinal);
                using var probe = new TcpClient();
                await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, basePort + (10 * i)));
            }
            Assert.Equal(4, CountOccurrences(Log(), "Application is shutting down"));
        }
        finally
        {
            if (!devnet.HasExited)
            {
                devnet.Kill(entireProcessTree: true);
            }
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Files of killed processes may still be closing.
            }
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>A base port whose 34 successors (four nodes' API, peer and metrics ports) are all free now.</summary>
    private static int FreeBlockOfPorts()
    {
        var random = new Random();
        while (true)
        {
            var start = random.Next(20_000, 31_900);
            var all = Enumerable.Range(0, 4).SelectMany(i => new[] { start + (10 * i), start + (10 * i) + 1, start + (10 * i) + 3 });
            if (all.All(IsFree))
            {
                return start;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
