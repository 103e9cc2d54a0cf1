using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// The relay end to end with real processes: two single-validator nodes (Shanghai on sm2-sm3, Hong Kong on
/// ed25519-sha256), each chain's committee creating a light client of the other through `relay propose-client`, the
/// CrossChainPing contract on each, and the real relayer process (`relay start`) opening the channel and carrying packets
/// both ways with their acknowledgements. It is killed mid-flight and restarted (timing out, from Hong Kong's proof of
/// absence, a packet that expired while it was down), and then raced by a second relayer with
/// its own keys and state: the applications' counters show every packet received once and acknowledged once.
/// </summary>
public sealed partial class RelayerProcessTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-relayer-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed relayer may still hold a file for a moment; the temp dir is cleaned by the OS later.
        }
    }

    [Fact]
    public async Task Packets_flow_both_ways_exactly_once_through_a_killed_and_restarted_relayer_and_a_racing_second_one()
    {
        using var shanghai = new TestChain(CryptoSuite.Sm2Sm3, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "shanghai");
        using var hongkong = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "hongkong");
        await using var shanghaiNode = await shanghai.StartAsync();
        await using var hongkongNode = await hongkong.StartAsync();
        var a = new Side(shanghai, "shanghai");
        var b = new Side(hongkong, "hongkong");

        // Each committee (the operator holds the one seat) creates its client of the other chain.
        await ProposeClientAsync(a, b, "hongkong-client");
        await ProposeClientAsync(b, a, "shanghai-client");
        Assert.Equal("active", (await a.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "hongkong-client" })).Status);
        Assert.Equal("sm2-sm3", (await b.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "shanghai-client" })).Client.CryptoSuite);

        var code = PingCode();
        var pingA = new Address((await a.SendAsync(a.Chain.Operator, null, code)).ContractAddress.Span);
        var pingB = new Address((await b.SendAsync(b.Chain.Operator, null, code)).ContractAddress.Span);
        await a.SendAsync(a.Chain.Operator, pingA, Call("open(string,address,bool)", new AbiTuple().String("hongkong-client").Address(pingB).Bool(false)));

        var config = WriteConfig("relay.toml", a, b, shanghai.Accounts[0], hongkong.Accounts[0], "state-1");
        await using (var relayer = RelayerProcess.Start(config))
        {
            // The relayer carries the handshake: TRY on Hong Kong, ACK on Shanghai, CONFIRM on Hong Kong.
            await WaitForAsync(async () => (await a.ChannelAsync("channel-0"))?.State == RelayChannelState.Open &&
                (await b.ChannelAsync("channel-0"))?.State == RelayChannelState.Open, "the channel to open", relayer);

            for (var i = 0; i < 5; i++)
            {
                await a.SendPacketAsync(pingA, $"to hongkong {i}");
                await b.SendPacketAsync(pingB, $"to shanghai {i}");
            }
            await WaitForCountsAsync(a, b, pingA, pingB, 5, 5, relayer);
            var status = await NodeBinary.RunAsync("relay", "status", "--config", config);
            output.WriteLine(status.Stdout);
            Assert.Contains("relayer: running", status.Stdout, StringComparison.Ordinal);
            Assert.Contains("client hongkong-client on shanghai (of hongkong): active", status.Stdout, StringComparison.Ordinal);
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://{_metrics}/metrics");
            output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("shanghaichain_relayer", StringComparison.Ordinal))));
            Assert.Contains("shanghaichain_relayer_pending_packets", metrics, StringComparison.Ordinal);
            Assert.Contains("shanghaichain_relayer_relay_latency_bucket", metrics, StringComparison.Ordinal);
            Assert.Contains("shanghaichain_relayer_client_height{", metrics, StringComparison.Ordinal);

            // A burst, and the relayer killed (SIGKILL) while it is carrying it (four messages per batch: several rounds).
            var burst = new List<Task>();
            for (var i = 0; i < 20; i++)
            {
                burst.Add(a.SendPacketAsync(pingA, $"burst {i}", wait: false));
            }
            await Task.WhenAll(burst);
            await WaitForAsync(async () => await b.CounterAsync(pingB, "received()") > 5, "the burst to start arriving", relayer);
            await relayer.KillAsync();
        }
        var mid = (await b.CounterAsync(pingB, "received()"), await a.CounterAsync(pingA, "acknowledged()"));
        output.WriteLine($"killed with {mid.Item1} received and {mid.Item2} acknowledged of 25");
        Assert.True(mid.Item2 < 25, "the relayer finished the burst before it was killed: nothing was in flight");

        // While no relayer runs, a packet whose timeout height passes on Hong Kong: the restarted relayer proves its
        // receipt absent there and times it out on Shanghai (the sender's callback counts it).
        var hongkongHead = (await b.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight;
        await a.SendAsync(a.Chain.Operator, pingA, Call("send(bytes,uint64,uint64)", new AbiTuple().Bytes("too late"u8).UInt(hongkongHead + 3).UInt(0)));
        var passed = Stopwatch.StartNew();
        while ((await b.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight < hongkongHead + 4)
        {
            Assert.True(passed.Elapsed < Patience, $"Hong Kong did not pass height {hongkongHead + 4} while no relayer ran");
            await Task.Delay(50);
        }

        await using (var restarted = RelayerProcess.Start(config))
        {
            await WaitForCountsAsync(a, b, pingA, pingB, 25, 5, restarted);
            await WaitForAsync(async () => await a.CounterAsync(pingA, "timedOut()") == 1, "the late packet to be timed out on Shanghai", restarted);
            Assert.Contains("following shanghai", restarted.Log, StringComparison.Ordinal);
            Assert.Contains("after ", restarted.Log, StringComparison.Ordinal);

            // A second relayer (its own keys and state, from height 1) races the first on the same path.
            var second = WriteConfig("relay-2.toml", a, b, shanghai.Accounts[1], hongkong.Accounts[1], "state-2");
            await using var racer = RelayerProcess.Start(second);
            for (var i = 0; i < 10; i++)
            {
                await a.SendPacketAsync(pingA, $"raced {i}", wait: false);
                await b.SendPacketAsync(pingB, $"raced back {i}", wait: false);
            }
            await WaitForCountsAsync(a, b, pingA, pingB, 35, 15, restarted);
            // Both have caught up with everything (the racer re-read the history and found it done) and nothing moves.
            await WaitForAsync(() => Task.FromResult(racer.Pending == 0 && restarted.Pending == 0), "both relayers to be idle", racer);
        }
        Assert.Equal(35UL, await b.CounterAsync(pingB, "received()"));
        Assert.Equal(35UL, await a.CounterAsync(pingA, "acknowledged()"));
        Assert.Equal(15UL, await a.CounterAsync(pingA, "received()"));
        Assert.Equal(15UL, await b.CounterAsync(pingB, "acknowledged()"));
        Assert.Equal(0UL, await a.CounterAsync(pingA, "failedAcks()"));
        Assert.Equal(1UL, await a.CounterAsync(pingA, "timedOut()"));
    }

    private string _metrics = "";

    private async Task WaitForCountsAsync(Side a, Side b, Address pingA, Address pingB, ulong aToB, ulong bToA, RelayerProcess relayer) =>
        await WaitForAsync(async () =>
            await b.CounterAsync(pingB, "received()") == aToB && await a.CounterAsync(pingA, "acknowledged()") == aToB &&
            await a.CounterAsync(pingA, "received()") == bToA && await b.CounterAsync(pingB, "acknowledged()") == bToA,
            $"{aToB} packets to Hong Kong and {bToA} to Shanghai to be received and acknowledged", relayer);

    private static Task WaitForAsync(Func<Task<bool>> condition, string what, RelayerProcess relayer) =>
        relayer.WaitForAsync(condition, what, Patience);

    private static async Task ProposeClientAsync(Side on, Side of, string clientId)
    {
        var result = await NodeBinary.RunAsync("relay", "propose-client", "--node", on.Url, "--counterparty", of.Url, "--client-id", clientId,
            "--key", on.Chain.Home.OperatorKeyFile, "--gas-limit", "5000000");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("status:   success", result.Stdout, StringComparison.Ordinal);
    }

    private string WriteConfig(string name, Side a, Side b, KeyFile keyA, KeyFile keyB, string state)
    {
        keyA.Save(Path.Combine(_dir, name + ".a.json"));
        keyB.Save(Path.Combine(_dir, name + ".b.json"));
        _metrics = $"127.0.0.1:{NodeBinary.FreePort()}";
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"""
            state_dir = "{state}"
            metrics_listen = "{_metrics}"
            poll_interval_ms = 20
            max_batch = 4

            [[chains]]
            id = "{a.Id}"
            node = "{a.Url}"
            key = "{name}.a.json"

            [[chains]]
            id = "{b.Id}"
            node = "{b.Url}"
            key = "{name}.b.json"

            [[paths]]
            a = "{a.Id}"
            b = "{b.Id}"
            a_client = "hongkong-client"
            b_client = "shanghai-client"
            """);
        return path;
    }

    private static byte[] PingCode()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", "CrossChainPing.json")));
        return Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!);
    }

    internal static byte[] Call(string signature, AbiTuple arguments)
    {
        var selector = AbiSignature.Selector(signature);
        return [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];
    }

    /// <summary>One chain as the test's application sees it: its node's API and the operator sending transactions.</summary>
    private sealed class Side
    {
        private readonly SemaphoreSlim _nonce = new(1, 1);
        private ulong? _next;

        public Side(TestChain chain, string id)
        {
            Chain = chain;
            Id = id;
            var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{chain.Port}");
            Api = new ChainService.ChainServiceClient(channel);
            Relay = new RelayService.RelayServiceClient(channel);
        }

        public TestChain Chain { get; }
        public string Id { get; }
        public string Url => $"http://127.0.0.1:{Chain.Port}";
        public ChainService.ChainServiceClient Api { get; }
        public RelayService.RelayServiceClient Relay { get; }

        public async Task<RelayChannel?> ChannelAsync(string id) => (await Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = id })).Channel;

        public async Task<UInt256> BalanceAsync(Address address) =>
            UInt256.ReadBigEndian((await Api.GetAccountAsync(new GetAccountRequest { Address = address.ToByteString() })).Balance.Span);

        public async Task<ulong> CounterAsync(Address contract, string signature)
        {
            var response = await Api.CallAsync(new CallRequest { To = contract.ToByteString(), Data = ByteString.CopyFrom(Call(signature, new AbiTuple())) });
            Assert.True(response.Success, response.ErrorMessage);
            return UInt256.ReadBigEndian(response.Output.Span).U0;
        }

        public Task<Receipt> SendPacketAsync(Address ping, string message, bool wait = true)
        {
            var data = Call("send(bytes,uint64,uint64)", new AbiTuple().Bytes(Encoding.UTF8.GetBytes(message)).UInt(0).UInt(4_000_000_000));
            return SendAsync(Chain.Operator, ping, data, wait);
        }

        public async Task<Receipt> SendAsync(KeyFile from, Address? to, byte[] data, bool wait = true)
        {
            ByteString id;
            await _nonce.WaitAsync();
            try
            {
                var status = await Api.GetStatusAsync(new GetStatusRequest());
                _next ??= (await Api.GetAccountAsync(new GetAccountRequest { Address = from.Address.ToByteString() })).Nonce;
                var body = new TransactionBody
                {
                    ChainId = Id,
                    Nonce = _next.Value,
                    GasLimit = 5_000_000,
                    To = to is { } t ? t.ToByteString() : ByteString.Empty,
                    Data = ByteString.CopyFrom(data),
                    ExpiresAtHeight = status.HeadHeight + 100,
                };
                id = (await Api.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(TransactionSigner.Sign(body, from)) })).TxId;
                _next++;
            }
            finally
            {
                _nonce.Release();
            }
            var receipt = (await Api.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 60_000 })).Receipt;
            Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
            return receipt;
        }
    }
}
