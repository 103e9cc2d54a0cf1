using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Node.Api;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The operator's surfaces of issue 18 through the real executable: every bad input with its exact message and exit
/// code, config show and its sources, port checks, tx show/receipt, status, probes, logs and a clean stop.
/// </summary>
public sealed class OperatorCliTests
{
    private const string Help = " (see 'shanghaichain --help')";

    [Theory]
    [InlineData(2, "error: unknown command 'stauts' for 'shanghaichain'; did you mean 'status'?" + Help, "stauts")]
    [InlineData(2, "error: unknown command 'valdators' for 'shanghaichain'; did you mean 'validators'?" + Help, "valdators")]
    [InlineData(2, "error: unknown command 'nwe' for 'shanghaichain keys'; did you mean 'new'? (see 'shanghaichain keys --help')", "keys", "nwe")]
    [InlineData(2, "error: unknown option '--api-listn' for 'shanghaichain start'; did you mean '--api-listen'? (see 'shanghaichain start --help')",
        "start", "--api-listn", "127.0.0.1:1")]
    [InlineData(2, "error: unknown option '--nod' for 'shanghaichain block show'; did you mean '--node'? (see 'shanghaichain block show --help')",
        "block", "show", "1", "--nod", "http://127.0.0.1:1")]
    [InlineData(2, "error: 'shanghaichain tx' needs a command: transfer, show, receipt (see 'shanghaichain tx --help')", "tx")]
    [InlineData(2, "error: 'zzz' is not a transaction id (64 hex digits, 0x optional)", "tx", "show", "zzz")]
    [InlineData(2, "error: '0x1234' is not a transaction id (64 hex digits, 0x optional)", "tx", "receipt", "0x1234")]
    [InlineData(1, "error: the directory /nonexistent/dir does not exist; create it first or choose another --out", "keys", "new", "--out", "/nonexistent/dir/k.json")]
    [InlineData(1, "error: /nonexistent/shc-home is not an initialised node home (run 'shanghaichain init --home /nonexistent/shc-home' first)",
        "config", "show", "--home", "/nonexistent/shc-home")]
    public async Task A_bad_command_line_gets_one_exact_error_line_and_its_exit_code(int exitCode, string message, params string[] args)
    {
        var result = await NodeBinary.RunAsync(args);
        Assert.Equal((exitCode, message), (result.ExitCode, result.Stderr.TrimEnd('\n')));
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Config_show_names_the_source_of_every_value_and_bad_values_exit_2_naming_their_source()
    {
        var dir = Directory.CreateTempSubdirectory("shc-config-").FullName;
        try
        {
            var home = Path.Combine(dir, "home");
            var init = await NodeBinary.RunAsync("init", "--home", home, "--api-listen", "127.0.0.1:27001", "--p2p-listen", "127.0.0.1:27002", "--metrics-listen", "");
            Assert.True(init.ExitCode == 0, init.Stderr);
            Assert.Contains("ports:        api 127.0.0.1:27001, peers 127.0.0.1:27002, metrics off", init.Stdout, StringComparison.Ordinal);
            // A file with only some keys: the others are defaults.
            File.WriteAllText(Path.Combine(home, "config", "node.toml"), "[api]\nlisten = \"127.0.0.1:27001\"\n[p2p]\nlisten = \"127.0.0.1:27002\"\n");

            var shown = await NodeBinary.RunInAsync(null, new Dictionary<string, string> { ["SHC_MEMPOOL_MAX_TXS"] = "500" },
                "config", "show", "--home", home, "--log-format", "json", "--metrics-listen", "127.0.0.1:27003");
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            var rows = Rows(shown.Stdout);
            Assert.Equal(("127.0.0.1:27001", "file"), rows["api.listen"]);
            Assert.Equal(("127.0.0.1:27002", "file"), rows["p2p.listen"]);
            Assert.Equal(("127.0.0.1:27003", "flag --metrics-listen"), rows["metrics.listen"]);
            Assert.Equal(("json", "flag --log-format"), rows["node.log_format"]);
            Assert.Equal(("500", "env SHC_MEMPOOL_MAX_TXS"), rows["mempool.max_txs"]);
            Assert.Equal(("node", "default"), rows["node.moniker"]);
            Assert.Equal(("20000", "default"), rows["mempool.max_txs_per_sender"]);
            Assert.Equal(("64", "default"), rows["api.max_subscriptions_per_client"]);
            // Booleans read as the file writes them.
            Assert.Equal(("false", "default"), rows["state_sync.enable"]);
            Assert.Equal(18, rows.Count);

            var badFlag = await NodeBinary.RunAsync("config", "show", "--home", home, "--log-format", "xml");
            Assert.Equal((2, "error: --log-format: node.log_format must be one of plain, json, got 'xml'"), (badFlag.ExitCode, badFlag.Stderr.TrimEnd('\n')));
            var badEnv = await NodeBinary.RunInAsync(null, new Dictionary<string, string> { ["SHC_API_LISTEN"] = "localhost" }, "start", "--home", home);
            Assert.Equal((2, "error: SHC_API_LISTEN: api.listen must be host:port with a numeric IP (e.g. 127.0.0.1:26657), got 'localhost'"),
                (badEnv.ExitCode, badEnv.Stderr.TrimEnd('\n')));

            File.AppendAllText(Path.Combine(home, "config", "node.toml"), "[mempool]\nmax_tx = 5\n");
            var badKey = await NodeBinary.RunAsync("start", "--home", home);
            Assert.Equal((2, $"error: {Path.Combine(home, "config", "node.toml")}: unknown key mempool.max_tx; did you mean 'mempool.max_txs'?"),
                (badKey.ExitCode, badKey.Stderr.TrimEnd('\n')));
            // Nothing was started or opened: no store was created.
            Assert.False(Directory.Exists(Path.Combine(home, "data", "chain")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Start_refuses_a_busy_or_repeated_port_before_opening_anything()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        using (var holder = new TcpListener(IPAddress.Loopback, chain.P2pPort))
        {
            holder.Start();
            var busy = await NodeBinary.RunAsync("start", "--home", chain.Home.Root);
            Assert.Equal(1, busy.ExitCode);
            Assert.StartsWith($"error: cannot start: port {chain.P2pPort} (p2p.listen 127.0.0.1:{chain.P2pPort}) is already in use by process {Environment.ProcessId} (",
                busy.Stderr, StringComparison.Ordinal);
            Assert.Single(busy.Stderr.TrimEnd('\n').Split('\n'));
        }
        var twice = await NodeBinary.RunAsync("start", "--home", chain.Home.Root, "--metrics-listen", $"127.0.0.1:{chain.Port}");
        Assert.Equal((2, $"error: metrics.listen and api.listen both use port {chain.Port}; give each its own port"), (twice.ExitCode, twice.Stderr.TrimEnd('\n')));
        Assert.False(Directory.Exists(chain.Home.ChainDbDir), "the store was opened before the ports were checked");
    }

    [Fact]
    public async Task A_running_node_reports_itself_answers_tx_show_receipt_status_and_probes_and_stops_quietly()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 200);
        await using var node = await chain.StartAsync();
        // The startup report: effective ports and paths (printed once the host has started, which may be just after the
        // API port first answers).
        await node.WaitForLogAsync("  logs:     ", TimeSpan.FromSeconds(30));
        Assert.Contains($"  api:      127.0.0.1:{chain.Port} (gRPC, plaintext HTTP/2)", node.Log, StringComparison.Ordinal);
        Assert.Contains($"  peers:    127.0.0.1:{chain.P2pPort} (mutual TLS)", node.Log, StringComparison.Ordinal);
        Assert.Contains($"  metrics:  http://127.0.0.1:{chain.MetricsPort}/metrics (also /health, /ready)", node.Log, StringComparison.Ordinal);
        Assert.Contains($"  data:     {chain.Home.DataDir}", node.Log, StringComparison.Ordinal);

        var transfer = await NodeBinary.RunAsync("tx", "transfer", "--node", node.Url, "--key", chain.Home.OperatorKeyFile,
            "--to", "0x000000000000000000000000000000000000beef", "--amount", "321");
        Assert.True(transfer.ExitCode == 0, transfer.Stderr);
        var id = transfer.Stdout.Split('\n')[0]["tx id:".Length..].Trim();

        var show = await NodeBinary.RunAsync("tx", "show", "0x" + id, "--node", node.Url);
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Contains("to:         0x000000000000000000000000000000000000beef", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("value:      321", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"from:       {chain.Operator.Address}", show.Stdout, StringComparison.Ordinal);
        var receipt = await NodeBinary.RunAsync("tx", "receipt", id, "--node", node.Url);
        Assert.True(receipt.ExitCode == 0, receipt.Stderr);
        Assert.Contains("status:   success", receipt.Stdout, StringComparison.Ordinal);
        Assert.Contains("gas used: 21000", receipt.Stdout, StringComparison.Ordinal);
        var unknown = await NodeBinary.RunAsync("tx", "receipt", new string('a', 64), "--node", node.Url);
        Assert.Equal((1, $"error: NOT_FOUND: no receipt for {new string('a', 64)}: not committed (yet)"), (unknown.ExitCode, unknown.Stderr.TrimEnd('\n')));

        var status = await NodeBinary.RunAsync("status", "--node", node.Url);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Matches(@"head age:     \d+\.\d s", status.Stdout);
        Assert.Contains("stalled:      no", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("syncing:      no", status.Stdout, StringComparison.Ordinal);

        // --node at the wrong place says so in the operator's terms, not the transport's.
        var tls = await NodeBinary.RunAsync("status", "--node", $"https://127.0.0.1:{chain.Port}");
        Assert.Equal((1, "error: cannot reach the node: the TLS handshake failed: a node's API speaks plaintext gRPC, use an http:// URL (the peer port's TLS is for peers only)"),
            (tls.ExitCode, tls.Stderr.TrimEnd('\n')));
        var metricsPort = await NodeBinary.RunAsync("status", "--node", $"http://127.0.0.1:{chain.MetricsPort}");
        Assert.Equal((1, "error: cannot reach the node: the server there is not a node's gRPC API (the metrics or the peer port?); --node takes the API address, default http://127.0.0.1:26657"),
            (metricsPort.ExitCode, metricsPort.Stderr.TrimEnd('\n')));
        var peerPort = await NodeBinary.RunAsync("status", "--node", $"http://127.0.0.1:{chain.P2pPort}");
        Assert.Equal(metricsPort, peerPort);

        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri($"http://127.0.0.1:{chain.MetricsPort}/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{chain.MetricsPort}/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.StartsWith("ready: head ", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A subscriber that cancels is normal use: nothing is logged for it.
        using var client = new ApiClient(node.Url);
        using (var cancel = new CancellationTokenSource())
        {
            using var cancelled = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = 1 }, cancellationToken: cancel.Token);
            Assert.True(await cancelled.ResponseStream.MoveNext(CancellationToken.None));
            await cancel.CancelAsync();
        }
        // One that is still open when the node stops ends with UNAVAILABLE and a reason, so clients that retry it reconnect.
        using var open = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = 1 });
        Assert.True(await open.ResponseStream.MoveNext(CancellationToken.None));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await node.TerminateAsync(deadline.Token));
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await open.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        Assert.True((ended.StatusCode, ended.Trailers.GetValue(ApiErrors.ReasonTrailer)) == (StatusCode.Unavailable, Hosting.ShutdownStreamsInterceptor.StoppingReason),
            $"the stream ended with {ended.Status}:\n{node.Log}");

        // A clean stop: its last line, and not one warning or error in the whole log.
        Assert.Matches(@"node 'node' stopped cleanly at height \d+", node.Log);
        var alarming = node.Log.Split('\n').Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal)
            || l.Contains(" crit: ", StringComparison.Ordinal)).ToList();
        Assert.True(alarming.Count == 0, "warnings or errors in a clean run:\n" + string.Join('\n', alarming));
    }

    [Fact]
    public async Task Log_format_json_writes_one_json_object_per_line()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 100);
        await using var node = await chain.StartAsync(new Dictionary<string, string> { ["SHC_NODE_LOG_FORMAT"] = "json" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!node.Log.Contains("committed block ", StringComparison.Ordinal))
        {
            await Task.Delay(NodeBinary.PollInterval, timeout.Token);
        }
        var lines = node.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var messages = new List<string>();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("LogLevel", out _), line);
            messages.Add(json.RootElement.GetProperty("Message").GetString()!);
        }
        Assert.Contains(messages, m => m.StartsWith($"api:      127.0.0.1:{chain.Port}", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("committed block ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Devnet_on_an_existing_home_says_which_flags_it_ignores()
    {
        var dir = Directory.CreateTempSubdirectory("shc-devnet-flags-").FullName;
        try
        {
            var home = Path.Combine(dir, "devnet");
            Assert.Equal(0, (await NodeBinary.RunAsync("testnet", "--validators", "1", "--output", home)).ExitCode);
            var info = NodeBinary.StartInfo(["devnet", "--home", home, "--base-port", "30000", "--crypto", "sm2-sm3"]);
            using var devnet = System.Diagnostics.Process.Start(info)!;
            var stderr = devnet.StandardError.ReadLineAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await stderr.WaitAsync(timeout.Token);
            devnet.Kill(entireProcessTree: true);
            await devnet.WaitForExitAsync();
            Assert.Equal($"note: --base-port, --crypto ignored: {home} already holds a devnet of 1 node(s), which keeps its own ports, validators and " +
                "crypto suite (see node*/config/node.toml); remove the directory to create a new one", line);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The rows of a Spectre table: setting → (value, source).</summary>
    private static Dictionary<string, (string Value, string Source)> Rows(string table) =>
        table.Split('\n')
            .Select(l => l.Split('│', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length == 6 && cells[1].Contains('.', StringComparison.Ordinal) && cells[1] != "setting")
            .ToDictionary(cells => cells[1], cells => (cells[2], cells[3]));
}
