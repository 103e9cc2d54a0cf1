using System.Diagnostics;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using static ShanghaiChain.Node.Tests.Relayer.RelayProcessKit;

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
        var a = new RelaySide(shanghai, "shanghai");
        var b = new RelaySide(hongkong, "hongkong");

        // Each committee (the operator holds the one seat) creates its client of the other chain.
        await ProposeClientAsync(a, b, "hongkong-client");
        await ProposeClientAsync(b, a, "shanghai-client");
        Assert.Equal("active", (await a.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "hongkong-client" })).Status);
        Assert.Equal("sm2-sm3", (await b.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = "shanghai-client" })).Client.CryptoSuite);

        var code = PingCode();
        var pingA = new Address((await a.SendAsync(a.Chain.Operator, null, code)).ContractAddress.Span);
        var pingB = new Address((await b.SendAsync(b.Chain.Operator, null, code)).ContractAddress.Span);
        await a.SendAsync(a.Chain.Operator, pingA, Call("open(string,address,bool)", new AbiTuple().String("hongkong-client").Address(pingB).Bool(false)));

        var (config, metricsAddress) = WriteConfig(_dir, "relay.toml", a, b, shanghai.Accounts[0], hongkong.Accounts[0], "state-1");
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
            var metrics = await http.GetStringAsync($"http://{metricsAddress}/metrics");
            output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("shanghaichain_relayer", StringComparison.Ordinal))));
            Assert.Contains("shanghaichain_relayer_pending_packets", metrics, StringComparison.Ordinal);
            Assert.Contains("shanghaichain_relayer_relay_latency_bucket", metrics, StringComparison.Ordinal);
            Assert.Contains("shanghaichain_relayer_client_height{", metrics, StringComparison.Ordinal);

            // A burst, and the relayer killed (SIGKILL) while it is carrying it (four messages per batch: ten rounds, so a fast
            // machine cannot finish it between the first arrivals and the kill).
            var burst = new List<Task>();
            for (var i = 0; i < 40; i++)
            {
                burst.Add(a.SendPacketAsync(pingA, $"burst {i}", wait: false));
            }
            await Task.WhenAll(burst);
            await WaitForAsync(async () => await b.CounterAsync(pingB, "received()") > 5, "the burst to start arriving", relayer);
            await relayer.KillAsync();
        }
        var mid = (await b.CounterAsync(pingB, "received()"), await a.CounterAsync(pingA, "acknowledged()"));
        output.WriteLine($"killed with {mid.Item1} received and {mid.Item2} acknowledged of 45");
        Assert.True(mid.Item2 < 45, "the relayer finished the burst before it was killed: nothing was in flight");

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
            await WaitForCountsAsync(a, b, pingA, pingB, 45, 5, restarted);
            await WaitForAsync(async () => await a.CounterAsync(pingA, "timedOut()") == 1, "the late packet to be timed out on Shanghai", restarted);
            Assert.Contains("following shanghai", restarted.Log, StringComparison.Ordinal);
            Assert.Contains("after ", restarted.Log, StringComparison.Ordinal);

            // A second relayer (its own keys and state, from height 1) races the first on the same path.
            var (second, _) = WriteConfig(_dir, "relay-2.toml", a, b, shanghai.Accounts[1], hongkong.Accounts[1], "state-2");
            await using var racer = RelayerProcess.Start(second);
            for (var i = 0; i < 10; i++)
            {
                await a.SendPacketAsync(pingA, $"raced {i}", wait: false);
                await b.SendPacketAsync(pingB, $"raced back {i}", wait: false);
            }
            await WaitForCountsAsync(a, b, pingA, pingB, 55, 15, restarted);
            // Both have caught up with everything (the racer re-read the history and found it done) and nothing moves.
            await WaitForAsync(() => Task.FromResult(racer.Pending == 0 && restarted.Pending == 0), "both relayers to be idle", racer);
        }
        Assert.Equal(55UL, await b.CounterAsync(pingB, "received()"));
        Assert.Equal(55UL, await a.CounterAsync(pingA, "acknowledged()"));
        Assert.Equal(15UL, await a.CounterAsync(pingA, "received()"));
        Assert.Equal(15UL, await b.CounterAsync(pingB, "acknowledged()"));
        Assert.Equal(0UL, await a.CounterAsync(pingA, "failedAcks()"));
        Assert.Equal(1UL, await a.CounterAsync(pingA, "timedOut()"));
    }
}
