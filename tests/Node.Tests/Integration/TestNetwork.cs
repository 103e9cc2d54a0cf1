using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Cli;
using ShanghaiChain.Node.Config;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// A local network made like `shanghaichain testnet` (validators, plus admitted homes that are not started unless a
/// test starts them), each node a real process on 127.0.0.1. Genesis is tuned for fast tests.
/// </summary>
internal sealed class TestNetwork : IAsyncDisposable
{
    private readonly NodeProcess?[] _processes;

    public TestNetwork(int validators, int spareNodes = 0, int emptyBlockIntervalMs = 200, CryptoSuite? suite = null, ulong epochLength = 1_000,
        string chainId = "test-chain")
    {
        Root = Directory.CreateTempSubdirectory("shc-net-").FullName;
        Suite = suite ?? CryptoSuite.Ed25519Sha256;
        Homes = NetworkCommands.Create(Path.Combine(Root, "net"), validators, spareNodes, chainId, Suite, basePort: null, NodeBinary.FreePort);
        LoadKey = KeyFile.Generate(Suite);
        foreach (var home in Homes)
        {
            var genesis = GenesisFile.Load(home.GenesisFile);
            (genesis with
            {
                Parameters = genesis.Parameters with { EmptyBlockIntervalMs = emptyBlockIntervalMs, EpochLength = epochLength },
                Accounts = [.. genesis.Accounts, new GenesisAccount { Address = LoadKey.Address.ToString(), Balance = "1000000000000" }],
            }).Save(home.GenesisFile);
        }
        Operator = KeyFile.Load(Path.Combine(Root, "net", "operator_key.json"));
        Validators = validators;
        _processes = new NodeProcess?[Homes.Count];
    }

    public string Root { get; }

    public CryptoSuite Suite { get; }

    public IReadOnlyList<NodeHome> Homes { get; }

    public int Validators { get; }

    public KeyFile Operator { get; }

    /// <summary>A funded account for load, apart from the operator's (which signs governance transactions).</summary>
    public KeyFile LoadKey { get; }

    public string OperatorKeyFile => Path.Combine(Root, "net", "operator_key.json");

    public NodeProcess? this[int node] => _processes[node];

    public NodeConfig ConfigOf(int node) => NodeConfig.Load(Homes[node].ConfigFile);

    public string UrlOf(int node) => $"http://{ConfigOf(node).ApiListen}";

    public async Task StartAsync(int node, IDictionary<string, string>? environment = null)
    {
        if (_processes[node] is { HasExited: false })
        {
            throw new InvalidOperationException($"node {node} is running");
        }
        _processes[node] = await NodeProcess.StartAsync(Homes[node].Root, ConfigOf(node).ApiEndPoint.Port, environment);
    }

    public async Task StartAllValidatorsAsync() => await Task.WhenAll(Enumerable.Range(0, Validators).Select(node => StartAsync(node)));

    /// <summary>Stops a node gracefully (SIGTERM) and waits until it has exited.</summary>
    public async Task StopAsync(int node)
    {
        if (_processes[node] is { } process)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.TerminateAsync(deadline.Token);
        }
    }

    public async Task KillAsync(int node)
    {
        if (_processes[node] is { } process)
        {
            await process.KillAsync();
        }
    }

    public async Task<ulong> HeightOfAsync(int node)
    {
        using var client = new ApiClient(UrlOf(node));
        return (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight;
    }

    /// <summary>Waits until every listed node has committed <paramref name="height"/>.</summary>
    public async Task WaitForHeightAsync(IEnumerable<int> nodes, ulong height, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        foreach (var node in nodes)
        {
            while (true)
            {
                if (_processes[node] is { HasExited: true } exited)
                {
                    throw new InvalidOperationException($"node {node} exited:\n{exited.Log}");
                }
                try
                {
                    if (await HeightOfAsync(node) >= height)
                    {
                        break;
                    }
                }
                catch (Grpc.Core.RpcException)
                {
                    // Still starting.
                }
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"node {node} did not reach height {height} within {timeout} (at {await HeightOfAsync(node)}):\n{_processes[node]?.Log}\n{OtherLogs(node)}");
                }
                await Task.Delay(NodeBinary.PollInterval);
            }
        }
    }

    /// <summary>The last lines of every other running node's log, for a failure that may lie elsewhere.</summary>
    private string OtherLogs(int except)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < _processes.Length; i++)
        {
            if (i != except && _processes[i] is { } process)
            {
                var lines = process.Log.Split('\n');
                text.AppendLine($"--- node {i} (last 40 lines) ---");
                text.AppendJoin('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    /// <summary>The committed block at a height as one node serves it.</summary>
    public async Task<GetBlockResponse> BlockAsync(int node, ulong height)
    {
        using var client = new ApiClient(UrlOf(node));
        return await client.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
    }

    /// <summary>Asserts that the nodes hold the same block hash at every height from 1 to <paramref name="upTo"/>.</summary>
    public async Task AssertAgreeAsync(IReadOnlyList<int> nodes, ulong upTo)
    {
        for (ulong height = 1; height <= upTo; height++)
        {
            var reference = await BlockAsync(nodes[0], height);
            foreach (var node in nodes.Skip(1))
            {
                var other = await BlockAsync(node, height);
                Assert.True(reference.BlockHash == other.BlockHash,
                    $"nodes {nodes[0]} and {node} disagree at height {height}: {Convert.ToHexString(reference.BlockHash.Span)} vs {Convert.ToHexString(other.BlockHash.Span)}");
            }
        }
    }

    /// <summary>Submits a transfer from the operator through one node and waits for its receipt.</summary>
    public async Task<Receipt> TransferAsync(int node, ulong nonce, ulong amount = 1)
    {
        using var client = new ApiClient(UrlOf(node));
        var tx = await client.SignTransferAsync(Operator, new Core.Primitives.Address(new byte[20]), amount, nonce);
        var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
        var response = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 });
        Assert.True(response.Receipt is not null, $"transfer {nonce} through node {node} was not committed within 30 s");
        return response.Receipt;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
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
