using System.Diagnostics;
using Grpc.Net.Client;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// The plan's four networks as real processes: Shanghai (sm2-sm3, four validators), Hong Kong and Singapore
/// (ed25519-sha256, one validator each) and the Yangtze River Delta (sm2-sm3), linked Shanghai—Hong Kong—Singapore and
/// Shanghai—Yangtze River Delta by light clients each committee created (`relay propose-client`), and one relayer process
/// (`relay start`) carrying all three paths. On them the CrossChainTransfer contract moves Shanghai's native value to
/// Hong Kong, on to Singapore and all the way back; sends it through Hong Kong to Singapore all or nothing, once
/// completing and once failing on its last leg (refunded on Shanghai); refunds a transfer that timed out; and the
/// CrossChainPing pair exchanges messages with their acknowledgement and timeout callbacks. After every step the
/// vouchers in circulation equal the escrow behind them, and at the end every balance is what the steps say.
/// </summary>
public sealed class FourNetworkTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private const ulong Far = 4_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-four-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A relayer just stopped may still hold a file; the OS cleans temp dirs.
        }
    }

    [Fact]
    public async Task Shanghai_Hong_Kong_Singapore_and_the_Yangtze_River_Delta_move_assets_and_messages_through_one_relayer()
    {
        var clock = Stopwatch.StartNew();
        await using var shanghaiNet = new TestNetwork(4, emptyBlockIntervalMs: 200, suite: CryptoSuite.Sm2Sm3, chainId: "shanghai");
        using var hongkongChain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "hongkong");
        using var singaporeChain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "singapore");
        using var yangtzeChain = new TestChain(CryptoSuite.Sm2Sm3, fundedAccounts: 2, emptyBlockIntervalMs: 100, chainId: "yangtze-delta");
        var starting = (hongkongChain.StartAsync(), singaporeChain.StartAsync(), yangtzeChain.StartAsync());
        await shanghaiNet.StartAllValidatorsAsync();
        await using var hongkongNode = await starting.Item1;
        await using var singaporeNode = await starting.Item2;
        await using var yangtzeNode = await starting.Item3;
        await shanghaiNet.WaitForHeightAsync([0, 1, 2, 3], 2, Patience);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: seven nodes up");

        using var shanghai = await Network.ConnectAsync("shanghai", shanghaiNet.UrlOf(0), shanghaiNet.OperatorKeyFile, shanghaiNet.Operator, shanghaiNet.LoadKey);
        using var hongkong = await Network.ConnectAsync(hongkongChain);
        using var singapore = await Network.ConnectAsync(singaporeChain);
        using var yangtze = await Network.ConnectAsync(yangtzeChain);

        // Each committee (the operator holds its one seat) creates its clients of its neighbours; the chains in parallel.
        await Task.WhenAll(
            ProposeClientsAsync(shanghai, hongkong, yangtze),
            ProposeClientsAsync(hongkong, shanghai, singapore),
            ProposeClientsAsync(singapore, hongkong),
            ProposeClientsAsync(yangtze, shanghai));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: six light clients created by committee decisions");

        var (transferCode, transferAbi) = RelayProcessKit.Artifact("CrossChainTransfer");
        var (pingCode, pingAbi) = RelayProcessKit.Artifact("CrossChainPing");
        var networks = new[] { shanghai, hongkong, singapore, yangtze };
        await Task.WhenAll(networks.Select(async n => n.Transfer = await n.OperatorAccount.DeployAsync(transferCode, transferAbi)));
        var shanghaiPing = await shanghai.OperatorAccount.DeployAsync(pingCode, pingAbi);
        var yangtzePing = await yangtze.OperatorAccount.DeployAsync(pingCode, pingAbi);

        // The applications open their channels (INIT); the relayer carries the rest of each handshake.
        var shToHk = await OpenAsync(shanghai, shanghai.Transfer!, "open(string,address)", "hongkong-client", hongkong.Transfer!.Address);
        var shToYd = await OpenAsync(shanghai, shanghai.Transfer!, "open(string,address)", "yangtze-delta-client", yangtze.Transfer!.Address);
        var shPing = await OpenAsync(shanghai, shanghaiPing, "open(string,address,bool)", "yangtze-delta-client", yangtzePing.Address, false);
        var hkToSg = await OpenAsync(hongkong, hongkong.Transfer!, "open(string,address)", "singapore-client", singapore.Transfer!.Address);

        var config = WriteConfig(networks,
            ("shanghai", "hongkong", "hongkong-client", "shanghai-client"),
            ("hongkong", "singapore", "singapore-client", "hongkong-client"),
            ("shanghai", "yangtze-delta", "yangtze-delta-client", "shanghai-client"));
        await using var relayer = RelayerProcess.Start(config);
        var hkFromSh = await CounterpartyOnceOpenAsync(shanghai, shToHk, relayer);
        var ydFromSh = await CounterpartyOnceOpenAsync(shanghai, shToYd, relayer);
        await CounterpartyOnceOpenAsync(shanghai, shPing, relayer);
        var sgFromHk = await CounterpartyOnceOpenAsync(hongkong, hkToSg, relayer);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: four channels open ({shToHk}→{hkFromSh}, {shToYd}→{ydFromSh}, {shPing}, {hkToSg}→{sgFromHk})");

        // The people: Alice and Dora on Shanghai (Dora funded by Alice), Bob on Hong Kong, Carol on Singapore, Erin on the Delta.
        var alice = shanghai.Account(shanghaiNet.LoadKey);
        var doraKey = KeyFile.Generate(CryptoSuite.Sm2Sm3);
        await alice.TransferAsync(doraKey.Address, new UInt256(1_000_000));
        var dora = shanghai.Account(doraKey);
        var bob = hongkong.Account(hongkongChain.Accounts[1]);
        var carol = singapore.Account(singaporeChain.Accounts[1]);
        var erin = yangtze.Account(yangtzeChain.Accounts[1]);
        var aliceStart = await shanghai.BalanceAsync(alice.Address);
        var doraStart = await shanghai.BalanceAsync(dora.Address);
        var hkVoucher = $"{hkFromSh}/native";
        var sgVoucher = $"{sgFromHk}/{hkFromSh}/native";
        var ydVoucher = $"{ydFromSh}/native";

        // The backing of every voucher in circulation, checked after each step of the line (the Delta's channel, which
        // its own transfers use meanwhile, once they are done).
        async Task AssertBackedAsync(bool delta = false)
        {
            Assert.Equal(await shanghai.EscrowAsync(shToHk, "native"), await hongkong.SupplyAsync(hkVoucher));
            Assert.Equal(await hongkong.EscrowAsync(hkToSg, hkVoucher), await singapore.SupplyAsync(sgVoucher));
            if (delta)
            {
                Assert.Equal(await shanghai.EscrowAsync(shToYd, "native"), await yangtze.SupplyAsync(ydVoucher));
            }
            // Shanghai's contract holds exactly the native value it escrows, always (escrow and value move in one transaction).
            Assert.Equal(await shanghai.EscrowAsync(shToHk, "native") + await shanghai.EscrowAsync(shToYd, "native"),
                await shanghai.BalanceAsync(shanghai.Transfer!.Address));
        }

        async Task TransferAsync(Network from, ClientAccount sender, string channel, string denom, ulong amount, Address receiver, ulong timeoutHeight = 0)
        {
            await from.Transfer!.SendAsync(sender, "transfer", [channel, denom, amount, receiver, timeoutHeight, timeoutHeight == 0 ? Far : 0UL],
                denom == "native" ? new UInt256(amount) : UInt256.Zero);
        }

        // The Delta, alongside the line: a transfer and part of it back, a transfer that times out (refunded), and messages.
        var delta = Task.Run(async () =>
        {
            await TransferAsync(shanghai, dora, shToYd, "native", 300, erin.Address);
            await relayer.WaitForAsync(async () => await yangtze.VoucherAsync(ydVoucher, erin.Address) == 300, "300 to reach Erin on the Delta", Patience);
            await TransferAsync(yangtze, erin, ydFromSh, ydVoucher, 100, dora.Address);
            await relayer.WaitForAsync(async () => await shanghai.BalanceAsync(dora.Address) == doraStart - 200, "100 back to Dora on Shanghai", Patience);
            // Timeout height 1 has long passed on the Delta: the relayer proves the packet never arrived and Shanghai refunds Dora.
            await TransferAsync(shanghai, dora, shToYd, "native", 50, erin.Address, timeoutHeight: 1);
            Assert.Equal(doraStart - 250, await shanghai.BalanceAsync(dora.Address));
            await relayer.WaitForAsync(async () => await shanghai.BalanceAsync(dora.Address) == doraStart - 200, "the timed-out 50 to be refunded to Dora", Patience);

            for (var i = 0; i < 3; i++)
            {
                await shanghaiPing.SendAsync(dora, "send", [System.Text.Encoding.UTF8.GetBytes($"to the Delta {i}"), 0UL, Far]);
            }
            await shanghaiPing.SendAsync(dora, "send", ["too late"u8.ToArray(), 1UL, 0UL]);
            for (var i = 0; i < 2; i++)
            {
                await yangtzePing.SendAsync(erin, "send", [System.Text.Encoding.UTF8.GetBytes($"to Shanghai {i}"), 0UL, Far]);
            }
            await relayer.WaitForAsync(async () =>
                await CounterAsync(yangtzePing, "received") == 3 && await CounterAsync(shanghaiPing, "acknowledged") == 3 &&
                await CounterAsync(shanghaiPing, "timedOut") == 1 && await CounterAsync(shanghaiPing, "received") == 2 &&
                await CounterAsync(yangtzePing, "acknowledged") == 2, "the messages, their acknowledgements and the timeout callback", Patience);
        });

        // The line: Shanghai → Hong Kong → Singapore, and all the way back.
        await TransferAsync(shanghai, alice, shToHk, "native", 1000, bob.Address);
        await relayer.WaitForAsync(async () => await hongkong.VoucherAsync(hkVoucher, bob.Address) == 1000, "1000 to reach Bob on Hong Kong", Patience);
        await AssertBackedAsync();
        await TransferAsync(hongkong, bob, hkToSg, hkVoucher, 400, carol.Address);
        await relayer.WaitForAsync(async () => await singapore.VoucherAsync(sgVoucher, carol.Address) == 400, "400 to reach Carol on Singapore", Patience);
        await AssertBackedAsync();
        await TransferAsync(singapore, carol, sgFromHk, sgVoucher, 400, bob.Address);
        await relayer.WaitForAsync(async () => await hongkong.VoucherAsync(hkVoucher, bob.Address) == 1000, "the 400 back to Bob", Patience);
        Assert.Equal(0UL, await singapore.SupplyAsync(sgVoucher));
        await TransferAsync(hongkong, bob, hkFromSh, hkVoucher, 1000, alice.Address);
        await relayer.WaitForAsync(async () => await shanghai.BalanceAsync(alice.Address) == aliceStart, "the 1000 home to Alice", Patience);
        await AssertBackedAsync();
        Assert.Equal(0UL, await hongkong.SupplyAsync(hkVoucher));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the line there and back");

        // All or nothing through Hong Kong: 500 reach Carol; 300 whose last leg has long timed out come back to Alice.
        await shanghai.Transfer!.SendAsync(alice, "transferVia", [shToHk, "native", 500UL, hkToSg, carol.Address, Far, Far], new UInt256(500));
        await relayer.WaitForAsync(async () => await singapore.VoucherAsync(sgVoucher, carol.Address) == 500, "500 through Hong Kong to Carol", Patience);
        await shanghai.Transfer!.SendAsync(alice, "transferVia", [shToHk, "native", 300UL, hkToSg, carol.Address, Far, 1UL], new UInt256(300));
        Assert.Equal(aliceStart - 800, await shanghai.BalanceAsync(alice.Address));
        await relayer.WaitForAsync(async () => await shanghai.BalanceAsync(alice.Address) == aliceStart - 500,
            "the 300 whose last leg failed to come back to Alice", Patience);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the all-or-nothing transfers");

        await delta;
        await relayer.WaitForAsync(() => Task.FromResult(relayer.Pending == 0), "the relayer to have nothing pending", Patience);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the Delta's transfers and messages; nothing pending");

        // Where everything ended.
        await AssertBackedAsync(delta: true);
        Assert.Equal(aliceStart - 500, await shanghai.BalanceAsync(alice.Address));
        Assert.Equal(doraStart - 200, await shanghai.BalanceAsync(dora.Address));
        Assert.Equal(0UL, await hongkong.VoucherAsync(hkVoucher, bob.Address));
        Assert.Equal(500UL, await singapore.VoucherAsync(sgVoucher, carol.Address));
        Assert.Equal(200UL, await yangtze.VoucherAsync(ydVoucher, erin.Address));
        // The 500 wait in Hong Kong's escrow toward Singapore as the middle chain's vouchers, backed on Shanghai.
        Assert.Equal(500UL, await shanghai.EscrowAsync(shToHk, "native"));
        Assert.Equal(500UL, await hongkong.EscrowAsync(hkToSg, hkVoucher));

        var status = await NodeBinary.RunAsync("relay", "status", "--config", config);
        output.WriteLine(status.Stdout);
        foreach (var client in new[] { "hongkong-client on shanghai", "yangtze-delta-client on shanghai", "shanghai-client on hongkong",
                     "singapore-client on hongkong", "hongkong-client on singapore", "shanghai-client on yangtze-delta" })
        {
            Assert.Contains($"client {client} (of ", status.Stdout, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(": frozen", status.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(": expired", status.Stdout, StringComparison.Ordinal);
        // Shanghai's four validators agree on every block.
        var head = await shanghaiNet.HeightOfAsync(0);
        await shanghaiNet.WaitForHeightAsync([1, 2, 3], head, Patience);
        foreach (var height in new[] { head / 3, 2 * head / 3, head })
        {
            var blocks = await Task.WhenAll(Enumerable.Range(0, 4).Select(n => shanghaiNet.BlockAsync(n, height)));
            Assert.Single(blocks.Select(b => b.BlockHash).Distinct());
        }
    }

    private static async Task<ulong> CounterAsync(ContractClient ping, string name) =>
        ulong.Parse((await ping.CallAsync(name, [])).Outputs[0]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task ProposeClientsAsync(Network on, params Network[] of)
    {
        foreach (var counterparty in of)
        {
            await RelayProcessKit.ProposeClientAsync(on.Url, counterparty.Url, counterparty.Id + "-client", on.OperatorKeyFile);
        }
    }

    /// <summary>Calls an application's open function and returns the channel id it opened (its return value).</summary>
    private static async Task<string> OpenAsync(Network on, ContractClient app, string function, params object[] arguments)
    {
        var receipt = await app.SendAsync(on.OperatorAccount, function, arguments);
        return AbiCodec.Decode(app.Abi.GetFunction(function).Outputs, receipt.Output.Span)[0]!.GetValue<string>();
    }

    private static async Task<string> CounterpartyOnceOpenAsync(Network on, string channel, RelayerProcess relayer)
    {
        RelayChannel? record = null;
        await relayer.WaitForAsync(async () =>
        {
            record = (await on.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = channel })).Channel;
            return record?.State == RelayChannelState.Open;
        }, $"{on.Id}'s {channel} to open", Patience);
        return record!.CounterpartyChannel;
    }

    private string WriteConfig(Network[] networks, params (string A, string B, string AClient, string BClient)[] paths)
    {
        var text = new System.Text.StringBuilder($"""
            state_dir = "state"
            metrics_listen = ""
            poll_interval_ms = 20

            """);
        foreach (var network in networks)
        {
            network.Relayer.Save(Path.Combine(_dir, network.Id + "-relayer.json"));
            text.Append($"""

                [[chains]]
                id = "{network.Id}"
                node = "{network.Url}"
                key = "{network.Id}-relayer.json"

                """);
        }
        foreach (var (a, b, aClient, bClient) in paths)
        {
            text.Append($"""

                [[paths]]
                a = "{a}"
                b = "{b}"
                a_client = "{aClient}"
                b_client = "{bClient}"

                """);
        }
        var path = Path.Combine(_dir, "relay.toml");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>One chain as the test sees it: its API, its operator (committee seat, deployer) and the relayer's key there.</summary>
    private sealed class Network : IDisposable
    {
        private readonly GrpcChannel _relayChannel;

        private Network(string id, string url, string operatorKeyFile, ShanghaiChainClient client, KeyFile @operator, KeyFile relayer)
        {
            Id = id;
            Url = url;
            OperatorKeyFile = operatorKeyFile;
            Client = client;
            OperatorAccount = client.Account(@operator);
            Relayer = relayer;
            _relayChannel = GrpcChannel.ForAddress(url);
            Relay = new RelayService.RelayServiceClient(_relayChannel);
        }

        public string Id { get; }
        public string Url { get; }
        public string OperatorKeyFile { get; }
        public ShanghaiChainClient Client { get; }
        public ClientAccount OperatorAccount { get; }
        public KeyFile Relayer { get; }
        public RelayService.RelayServiceClient Relay { get; }
        public ContractClient? Transfer { get; set; }

        public static async Task<Network> ConnectAsync(string id, string url, string operatorKeyFile, KeyFile @operator, KeyFile relayer) =>
            new(id, url, operatorKeyFile, await ShanghaiChainClient.ConnectAsync(url), @operator, relayer);

        /// <summary>A single-validator chain: its first funded account relays, its second is the chain's user.</summary>
        public static Task<Network> ConnectAsync(TestChain chain) =>
            ConnectAsync(GenesisFile.Load(chain.Home.GenesisFile).ChainId, $"http://127.0.0.1:{chain.Port}", chain.Home.OperatorKeyFile, chain.Operator, chain.Accounts[0]);

        public ClientAccount Account(KeyFile key) => Client.Account(key);

        public async Task<ulong> BalanceAsync(Address address) => (await Client.GetAccountAsync(address)).Balance.U0;

        public Task<ulong> VoucherAsync(string denom, Address holder) => ViewAsync("balanceOf", denom, holder);

        public Task<ulong> SupplyAsync(string denom) => ViewAsync("supplyOf", denom);

        public Task<ulong> EscrowAsync(string channel, string denom) => ViewAsync("escrowOf", channel, denom);

        private async Task<ulong> ViewAsync(string function, params object[] arguments) =>
            ulong.Parse((await Transfer!.CallAsync(function, arguments)).Outputs[0]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        public void Dispose()
        {
            Client.Dispose();
            _relayChannel.Dispose();
        }
    }
}
