using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// A real chain store in a temporary folder (one-validator genesis, the given accounts funded) with the node's block
/// executor: what the block benchmarks execute and commit into. Blocks extend the head as the pipeline's would.
/// </summary>
internal sealed class BenchChain : IDisposable
{
    private readonly string _dir;
    private ulong _round;

    public BenchChain(string chainId, IEnumerable<Address> funded, ChainParameters? parameters = null)
    {
        _dir = Directory.CreateTempSubdirectory($"shc-bench-{chainId}-").FullName;
        Genesis = new GenesisFile
        {
            ChainId = chainId,
            Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(Suite).PublicKey) }],
            Accounts = [.. funded.Select(a => new GenesisAccount { Address = a.ToString(), Balance = "1000000000000000" })],
        };
        Parameters = parameters ?? Genesis.Parameters;
        Store = ChainStore.Open(StorePath, Genesis);
        Executor = new BlockExecutor(Parameters, Suite);
    }

    public CryptoSuite Suite => CryptoSuite.Ed25519Sha256;

    public GenesisFile Genesis { get; }

    public ChainParameters Parameters { get; }

    public ChainStore Store { get; private set; }

    public BlockExecutor Executor { get; }

    /// <summary>A folder for the benchmark's own files, removed with the chain.</summary>
    public string Folder => _dir;

    private string StorePath => Path.Combine(_dir, "chain");

    /// <summary>The next block (extending the head) holding <paramref name="transactions"/>, with its transaction root.</summary>
    public SealedBlock NextBlock(IReadOnlyList<VerifiedTransaction> transactions) => new(new BlockHeader
    {
        ChainId = Genesis.ChainId,
        Height = Store.HeadHeight + 1,
        Round = ++_round,
        ParentHash = ByteString.CopyFrom(Store.HeadHash.ToArray()),
        TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(Suite, transactions.Select(t => t.Id).ToList()).ToArray()),
    }, transactions.Select(t => t.Encoded), Suite);

    /// <summary>Executes <paramref name="transactions"/> as the next block and commits it: receipts, state, one synced batch.</summary>
    public ExecutionResult ExecuteAndCommit(IReadOnlyList<VerifiedTransaction> transactions)
    {
        var block = NextBlock(transactions);
        var result = Executor.Execute(Store, Executor.ContextFor(block.Height, block.Hash, 0, Address.Zero), transactions);
        Store.Commit(block, new QuorumCertificate { Height = block.Height }, result.Receipts, result.StateDiff, result.Contracts);
        return result;
    }

    /// <summary>Commits the next block with the given receipts and no state change (for index-only benchmarks).</summary>
    public void CommitReceipts(IReadOnlyList<Receipt> receipts)
    {
        var block = NextBlock([]);
        Store.Commit(block, new QuorumCertificate { Height = block.Height }, receipts, []);
    }

    /// <summary>Closes and reopens the store: RocksDB flushes the recovered write-ahead log into table files.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = ChainStore.Open(StorePath, Genesis);
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
