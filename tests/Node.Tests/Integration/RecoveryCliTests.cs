using System.Diagnostics;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// `rollback`, `inspect` and `reset` through the real executable on real node processes and RocksDB data dirs: each
/// refuses a running node's data dir; a rolled-back validator is inspectable read-only, then re-commits the same block
/// from its peers with its safety record untouched; a reset deletes the chain data and keeps keys, config and the record.
/// </summary>
public sealed partial class RecoveryCliTests
{
    [Fact]
    public async Task A_validator_rolled_back_while_stopped_is_inspectable_then_recommits_the_same_block_from_its_peers()
    {
        await using var network = new TestNetwork(validators: 4, emptyBlockIntervalMs: 100);
        await network.StartAllValidatorsAsync();
        await network.WaitForHeightAsync([0, 1, 2, 3], 10, TimeSpan.FromSeconds(120));
        var home = network.Homes[3];

        var whileRunning = await NodeBinary.RunAsync("rollback", "--home", home.Root);
        Assert.Equal(1, whileRunning.ExitCode);
        Assert.Contains("in use by another process", whileRunning.Stderr, StringComparison.Ordinal);

        await network.StopAsync(3);
        var record = await File.ReadAllBytesAsync(home.SafetyRecordFile);
        var rollback = await NodeBinary.RunAsync("rollback", "--home", home.Root);
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        var match = RolledBack().Match(rollback.Stdout);
        var (head, target) = (ulong.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            ulong.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(head - 1, target);
        Assert.Contains($"undid blocks {head}..{head} in place in ", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal(record, await File.ReadAllBytesAsync(home.SafetyRecordFile));

        // The stopped node's data, read-only: the rolled-back head, the same blocks as the network, no submissions.
        var port = NodeBinary.FreePort();
        await using (var inspect = await InspectProcess.StartAsync(home.Root, port))
        {
            using var client = new ApiClient($"http://127.0.0.1:{port}");
            Assert.Equal(target, (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight);
            Assert.Equal((await network.BlockAsync(0, target)).BlockHash, (await client.Chain.GetBlockAsync(new GetBlockRequest { Height = target })).BlockHash);
            var gone = await Assert.ThrowsAsync<RpcException>(async () => await client.Chain.GetBlockAsync(new GetBlockRequest { Height = head }));
            Assert.Equal(StatusCode.NotFound, gone.StatusCode);
            var tx = await client.SignTransferAsync(network.Operator, new Address(new byte[20]), 1, 0);
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) }));
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Equal("READ_ONLY", refused.Trailers.GetValue("shc-reason"));
            Assert.Equal(0, await inspect.TerminateAsync());
        }

        await network.StartAsync(3);
        await network.WaitForHeightAsync([3], head + 3, TimeSpan.FromSeconds(120));
        Assert.Equal((await network.BlockAsync(0, head)).BlockHash, (await network.BlockAsync(3, head)).BlockHash);
        await network.AssertAgreeAsync([0, 3], head + 3);
        for (var node = 0; node < 4; node++)
        {
            Assert.DoesNotContain("equivocation", network[node]!.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Reset_deletes_the_chain_data_and_keeps_keys_config_and_the_safety_record()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 50);
        var home = chain.Home;
        string genesisHash;
        await using (var node = await chain.StartAsync())
        {
            using var client = new ApiClient(node.Url);
            await BlockArchiveCliTests.WaitForHeightAsync(client, 3, node);
            genesisHash = Hex.Encode((await client.Chain.GetStatusAsync(new GetStatusRequest())).GenesisHash.Span);
            foreach (var command in new[] { new[] { "reset", "--yes" }, ["inspect", "--api-listen", $"127.0.0.1:{NodeBinary.FreePort()}"], ["rollback"] })
            {
                var whileRunning = await NodeBinary.RunAsync([.. command, "--home", home.Root]);
                Assert.True(whileRunning.ExitCode == 1, $"{command[0]}: {whileRunning.Stdout}{whileRunning.Stderr}");
                Assert.Contains("in use by another process", whileRunning.Stderr, StringComparison.Ordinal);
            }
            Assert.True(Directory.Exists(home.ChainDbDir));
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await node.TerminateAsync(stop.Token);
        }
        var kept = new[] { home.ConfigFile, home.GenesisFile, home.ValidatorKeyFile, home.NodeKeyFile, home.OperatorKeyFile, home.SafetyRecordFile }
            .ToDictionary(f => f, File.ReadAllBytes);

        var unconfirmed = await NodeBinary.RunAsync("reset", "--home", home.Root);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("run with --yes", unconfirmed.Stderr, StringComparison.Ordinal);
        Assert.True(Directory.Exists(home.ChainDbDir));

        var audited = Directory.Exists(home.AuditDbDir);
        var reset = await NodeBinary.RunAsync("reset", "--home", home.Root, "--yes");
        Assert.True(reset.ExitCode == 0, reset.Stdout + reset.Stderr);
        Assert.False(Directory.Exists(home.ChainDbDir));
        // The regulators' trail is the node's own record (its admission refusals exist nowhere else): kept.
        Assert.True(audited);
        Assert.True(Directory.Exists(home.AuditDbDir));
        foreach (var (file, bytes) in kept)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        }
        foreach (var command in new[] { "reset", "rollback", "inspect" })
        {
            var missing = await NodeBinary.RunAsync(command, "--home", Path.Combine(chain.Root, "nowhere"));
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
        }
        var nothing = await NodeBinary.RunAsync("inspect", "--home", home.Root);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("no chain data", nothing.Stderr, StringComparison.Ordinal);

        // The same home starts again on a new store of the same chain.
        await using var restarted = await chain.StartAsync();
        using var again = new ApiClient(restarted.Url);
        Assert.Equal(genesisHash, Hex.Encode((await again.Chain.GetStatusAsync(new GetStatusRequest())).GenesisHash.Span));
    }

    [Fact]
    public async Task Rollback_undoes_blocks_in_place_within_the_proof_window_and_replays_the_chain_without_one()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 50);
        var home = chain.Home;
        await using (var node = await chain.StartAsync())
        {
            using var client = new ApiClient(node.Url);
            for (ulong nonce = 0; nonce < 5; nonce++)
            {
                var tx = await client.SignTransferAsync(chain.Operator, new Address(new byte[20]), 1, nonce);
                await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) });
            }
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight < 20)
            {
                await Task.Delay(NodeBinary.PollInterval);
            }
            Assert.Equal(0, await node.TerminateAsync(CancellationToken.None));
        }

        var inPlace = await NodeBinary.RunAsync("rollback", "--home", home.Root, "--blocks", "3");
        Assert.True(inPlace.ExitCode == 0, inPlace.Stdout + inPlace.Stderr);
        var first = RolledBack().Match(inPlace.Stdout);
        var head = ulong.Parse(first.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(head - 3, ulong.Parse(first.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"undid blocks {head - 2}..{head} in place in ", inPlace.Stdout, StringComparison.Ordinal);
        Assert.Contains(" in place. The safety record is kept", inPlace.Stdout, StringComparison.Ordinal);

        var tooMany = await NodeBinary.RunAsync("rollback", "--home", home.Root, "--blocks", "100000");
        Assert.Equal((1, $"error: --blocks 100000 is more than the {head - 3} committed block(s)"), (tooMany.ExitCode, tooMany.Stderr.TrimEnd('\n')));
        var none = await NodeBinary.RunAsync("rollback", "--home", home.Root, "--blocks", "0");
        Assert.Equal(2, none.ExitCode);

        // Without a proof window the store keeps no history to undo with: the state is rebuilt by replaying the blocks.
        var toml = File.ReadAllText(home.ConfigFile);
        Assert.Contains("proof_window_blocks = 128", toml, StringComparison.Ordinal);
        File.WriteAllText(home.ConfigFile, toml.Replace("proof_window_blocks = 128", "proof_window_blocks = 0", StringComparison.Ordinal));
        var replayed = await NodeBinary.RunAsync("rollback", "--home", home.Root);
        Assert.True(replayed.ExitCode == 0, replayed.Stdout + replayed.Stderr);
        Assert.Contains("undoing in place is not possible (the store keeps no history to undo blocks with (state.proof_window_blocks is 0))",
            replayed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"replayed {head - 4} blocks in ", replayed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"rolled back from height {head - 3} to {head - 4}: ", replayed.Stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"rolled back from height (\d+) to (\d+)")]
    private static partial Regex RolledBack();

    /// <summary>`shanghaichain inspect` as a child process, ready once it says it serves the API.</summary>
    private sealed class InspectProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _log = new();

        private InspectProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }

        public static async Task<InspectProcess> StartAsync(string home, int port)
        {
            var inspect = new InspectProcess(Process.Start(NodeBinary.StartInfo(["inspect", "--home", home, "--api-listen", $"127.0.0.1:{port}"]))!);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!inspect.Log.Contains("serving the API", StringComparison.Ordinal))
            {
                if (inspect._process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"inspect did not start:\n{inspect.Log}");
                }
                await Task.Delay(NodeBinary.PollInterval);
            }
            return inspect;
        }

        public async Task<int> TerminateAsync()
        {
            using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await signal.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
