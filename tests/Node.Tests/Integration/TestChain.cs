using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Cli;
using ShanghaiChain.Node.Config;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>A node home in a temp dir, initialised like `shanghaichain init`, with genesis tweaks for fast tests.</summary>
internal sealed class TestChain : IDisposable
{
    public TestChain(CryptoSuite suite, int fundedAccounts = 0, int emptyBlockIntervalMs = 200, string chainId = "test-chain")
    {
        Root = Directory.CreateTempSubdirectory("shc-node-").FullName;
        Home = new NodeHome(Path.Combine(Root, "home"));
        Port = NodeBinary.FreePort();
        MetricsPort = NodeBinary.FreePort();
        P2pPort = NodeBinary.FreePort();
        NodeCommands.Initialise(Home, chainId, suite, new NodeConfig
        {
            ApiListen = $"127.0.0.1:{Port}",
            MetricsListen = $"127.0.0.1:{MetricsPort}",
            P2pListen = $"127.0.0.1:{P2pPort}",
        });
        Accounts = Enumerable.Range(0, fundedAccounts).Select(_ => KeyFile.Generate(suite)).ToList();
        var genesis = GenesisFile.Load(Home.GenesisFile);
        genesis = genesis with
        {
            Parameters = genesis.Parameters with { EmptyBlockIntervalMs = emptyBlockIntervalMs },
            Accounts = [.. genesis.Accounts, .. Accounts.Select(a => new GenesisAccount { Address = a.Address.ToString(), Balance = "1000000000000" })],
        };
        genesis.Save(Home.GenesisFile);
        Suite = suite;
        Operator = KeyFile.Load(Home.OperatorKeyFile);
    }

    public string Root { get; }

    public NodeHome Home { get; }

    public int Port { get; }

    public int MetricsPort { get; }

    public int P2pPort { get; }

    /// <summary>
    /// Makes the home of a node that follows this chain from the validator's peer port, with its own identity key;
    /// <paramref name="admitted"/> adds that key to genesis (call before the validator first starts).
    /// </summary>
    public Follower AddFollower(bool admitted)
    {
        var home = new NodeHome(Path.Combine(Root, $"follower-{Guid.NewGuid():N}"));
        Directory.CreateDirectory(home.ConfigDir);
        var key = KeyFile.Generate(Suite);
        key.Save(home.NodeKeyFile);
        var follower = new Follower(home, NodeBinary.FreePort(), NodeBinary.FreePort());
        new NodeConfig
        {
            Moniker = "follower",
            ApiListen = $"127.0.0.1:{follower.Port}",
            MetricsListen = "",
            P2pListen = $"127.0.0.1:{follower.P2pPort}",
            P2pPeers = $"https://127.0.0.1:{P2pPort}",
        }.Save(home.ConfigFile);
        if (admitted)
        {
            var genesis = GenesisFile.Load(Home.GenesisFile);
            (genesis with { Nodes = [.. genesis.Nodes, new GenesisNode { Name = "follower", PublicKey = Core.Primitives.Hex.Encode(key.PublicKey) }] }).Save(Home.GenesisFile);
        }
        return follower;
    }

    /// <summary>Starts a follower on the chain's current genesis.</summary>
    public Task<NodeProcess> StartFollowerAsync(Follower follower)
    {
        File.Copy(Home.GenesisFile, follower.Home.GenesisFile, overwrite: true);
        return NodeProcess.StartAsync(follower.Home.Root, follower.Port);
    }

    public CryptoSuite Suite { get; }

    public KeyFile Operator { get; }

    public IReadOnlyList<KeyFile> Accounts { get; }

    public Task<NodeProcess> StartAsync(IDictionary<string, string>? environment = null) =>
        NodeProcess.StartAsync(Home.Root, Port, environment);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still be releasing files; the temp dir is cleaned by the OS later.
        }
    }
}

/// <summary>The home and ports of a following (non-validator) node.</summary>
internal sealed record Follower(NodeHome Home, int Port, int P2pPort)
{
    public string Url => $"http://127.0.0.1:{Port}";
}

/// <summary>A gRPC client of the app API, with helpers to sign transfers.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public ApiClient(string url)
    {
        _channel = GrpcChannel.ForAddress(url);
        Chain = new ChainService.ChainServiceClient(_channel);
    }

    public ChainService.ChainServiceClient Chain { get; }

    public async Task<ulong> NonceOfAsync(Address address) =>
        (await Chain.GetAccountAsync(new GetAccountRequest { Address = ByteString.CopyFrom(address.ToArray()) })).Nonce;

    public async Task<UInt256> BalanceOfAsync(Address address) =>
        UInt256.ReadBigEndian((await Chain.GetAccountAsync(new GetAccountRequest { Address = ByteString.CopyFrom(address.ToArray()) })).Balance.Span);

    public async Task<byte[]> SignTransferAsync(KeyFile from, Address to, ulong value, ulong nonce, string chainId = "test-chain")
    {
        var head = (await Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight;
        return TransactionSigner.Sign(TransactionSigner.Transfer(chainId, nonce, to, new UInt256(value), 21_000, head + 1_000), from);
    }

    public void Dispose() => _channel.Dispose();
}
