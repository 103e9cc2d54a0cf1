using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Tests.Integration;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>
/// What the real-process relay tests share: the chains as applications see them, the relayer process, the committee's
/// client proposals, the relay.toml they write, the CrossChainPing contract and the waits with their deadline.
/// </summary>
internal static class RelayProcessKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Waits until the ping pair counts <paramref name="aToB"/> packets received on b and acknowledged on a, and
    /// <paramref name="bToA"/> the other way.
    /// </summary>
    public static async Task WaitForCountsAsync(RelaySide a, RelaySide b, Address pingA, Address pingB, ulong aToB, ulong bToA, RelayerProcess relayer) =>
        await WaitForAsync(async () =>
            await b.CounterAsync(pingB, "received()") == aToB && await a.CounterAsync(pingA, "acknowledged()") == aToB &&
            await a.CounterAsync(pingA, "received()") == bToA && await b.CounterAsync(pingB, "acknowledged()") == bToA,
            $"{aToB} packets to {b.Id} and {bToA} to {a.Id} to be received and acknowledged", relayer);

    public static Task WaitForAsync(Func<Task<bool>> condition, string what, RelayerProcess relayer) =>
        relayer.WaitForAsync(condition, what, Patience);

    /// <summary>The committee of <paramref name="on"/> (the operator's one seat) creates its client of <paramref name="of"/>.</summary>
    public static Task ProposeClientAsync(RelaySide on, RelaySide of, string clientId) =>
        ProposeClientAsync(on.Url, of.Url, clientId, on.Chain.Home.OperatorKeyFile);

    /// <summary>`relay propose-client` on the node at <paramref name="onUrl"/> with a committee member's key file.</summary>
    public static async Task ProposeClientAsync(string onUrl, string ofUrl, string clientId, string memberKeyFile)
    {
        var result = await NodeBinary.RunAsync("relay", "propose-client", "--node", onUrl, "--counterparty", ofUrl, "--client-id", clientId,
            "--key", memberKeyFile, "--gas-limit", "5000000");
        Assert.True(result.ExitCode == 0, $"the client {clientId} on {onUrl}: {result.Stdout}{result.Stderr}");
        Assert.Contains("status:   success", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Writes relay.toml for one path a–b in <paramref name="dir"/>; returns its path and the metrics address.</summary>
    public static (string Path, string Metrics) WriteConfig(string dir, string name, RelaySide a, RelaySide b, KeyFile keyA, KeyFile keyB, string state,
        string aClient = "hongkong-client", string bClient = "shanghai-client")
    {
        keyA.Save(Path.Combine(dir, name + ".a.json"));
        keyB.Save(Path.Combine(dir, name + ".b.json"));
        var metrics = $"127.0.0.1:{NodeBinary.FreePort()}";
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, $"""
            state_dir = "{state}"
            metrics_listen = "{metrics}"
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
            a_client = "{aClient}"
            b_client = "{bClient}"
            """);
        return (path, metrics);
    }

    public static byte[] PingCode() => Artifact("CrossChainPing").Code;

    /// <summary>A compiled contract of contracts/build: its init code and its ABI.</summary>
    public static (byte[] Code, ContractAbi Abi) Artifact(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", name + ".json")));
        return (Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!), ContractAbi.Parse(json.RootElement.GetProperty("abi").GetRawText()));
    }

    internal static byte[] Call(string signature, AbiTuple arguments)
    {
        var selector = AbiSignature.Selector(signature);
        return [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];
    }}

/// <summary>One chain as the test's application sees it: its node's API and the operator sending transactions.</summary>
internal sealed class RelaySide
{
    private readonly SemaphoreSlim _nonce = new(1, 1);
    // The next nonce of each sender this side signs for (each sender's transactions go through this side only).
    private readonly Dictionary<Address, ulong> _next = [];

    public RelaySide(TestChain chain, string id)
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
        var response = await Api.CallAsync(new CallRequest { To = contract.ToByteString(), Data = ByteString.CopyFrom(RelayProcessKit.Call(signature, new AbiTuple())) });
        Assert.True(response.Success, response.ErrorMessage);
        return UInt256.ReadBigEndian(response.Output.Span).U0;
    }

    /// <summary>Sends a packet through the ping contract, from the operator unless <paramref name="from"/> is given.</summary>
    public Task<Receipt> SendPacketAsync(Address ping, string message, bool wait = true, KeyFile? from = null)
    {
        var data = RelayProcessKit.Call("send(bytes,uint64,uint64)", new AbiTuple().Bytes(Encoding.UTF8.GetBytes(message)).UInt(0).UInt(4_000_000_000));
        return SendAsync(from ?? Chain.Operator, ping, data, wait);
    }

    public async Task<Receipt> SendAsync(KeyFile from, Address? to, byte[] data, bool wait = true)
    {
        ByteString id;
        await _nonce.WaitAsync();
        try
        {
            var status = await Api.GetStatusAsync(new GetStatusRequest());
            if (!_next.TryGetValue(from.Address, out var nonce))
            {
                nonce = (await Api.GetAccountAsync(new GetAccountRequest { Address = from.Address.ToByteString() })).Nonce;
            }
            var body = new TransactionBody
            {
                ChainId = Id,
                Nonce = nonce,
                GasLimit = 5_000_000,
                To = to is { } t ? t.ToByteString() : ByteString.Empty,
                Data = ByteString.CopyFrom(data),
                ExpiresAtHeight = status.HeadHeight + 100,
            };
            id = (await Api.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(TransactionSigner.Sign(body, from)) })).TxId;
            _next[from.Address] = nonce + 1;
        }
        finally
        {
            _nonce.Release();
        }
        var receipt = (await Api.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 60_000 })).Receipt;
        Assert.True(receipt is not null, $"transaction {Convert.ToHexString(id.Span)} on {Id} has no receipt after 60 s");
        Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
        return receipt;
    }
}
