using BenchmarkDotNet.Attributes;
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
/// Execute and commit one block of native transfers into a real RocksDB (synced write batch), as the
/// block pipeline does after ordering. Divide the block size by the time per operation for transfers/s.
/// </summary>
[MemoryDiagnoser]
public class BlockCommitBenchmarks
{
    private const string ChainId = "bench";
    private readonly CryptoSuite _suite = CryptoSuite.Ed25519Sha256;
    private string _dir = "";
    private ChainStore _store = null!;
    private BlockExecutor _executor = null!;
    private KeyFile[] _senders = [];
    private ulong _round;

    [Params(1_000, 5_000)]
    public int Transfers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("shc-bench-").FullName;
        _senders = Enumerable.Range(0, 1_000).Select(_ => KeyFile.Generate(_suite)).ToArray();
        var genesis = new GenesisFile
        {
            ChainId = ChainId,
            Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(_suite).PublicKey) }],
            Accounts = [.. _senders.Select(s => new GenesisAccount { Address = s.Address.ToString(), Balance = "1000000000000000" })],
        };
        _store = ChainStore.Open(Path.Combine(_dir, "chain"), genesis);
        _executor = new BlockExecutor(genesis.Parameters, genesis.Suite);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private List<VerifiedTransaction> _block = [];

    [IterationSetup]
    public void SignBlock()
    {
        var validator = new TransactionValidator(ChainId, _suite, new ChainParameters());
        _block = Enumerable.Range(0, Transfers).Select(i =>
        {
            var sender = _senders[i % _senders.Length];
            var nonce = _store.GetAccount(sender.Address).Nonce + (ulong)(i / _senders.Length);
            var tx = TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, nonce, Address.Zero, new UInt256(1), 21_000, 1_000_000), sender);
            return validator.Validate(tx, checkSignature: false).Transaction!;
        }).ToList();
    }

    [Benchmark(Description = "execute + commit block")]
    public int ExecuteAndCommit()
    {
        var header = new BlockHeader
        {
            ChainId = ChainId,
            Height = _store.HeadHeight + 1,
            Round = ++_round,
            ParentHash = ByteString.CopyFrom(_store.HeadHash.ToArray()),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(_suite, _block.Select(t => t.Id).ToList()).ToArray()),
        };
        var block = new SealedBlock(header, _block.Select(t => t.Encoded), _suite);
        var result = _executor.Execute(_store, new BlockContext(block.Height, block.Hash, 0, Address.Zero), _block);
        _store.Commit(block, new QuorumCertificate { Height = block.Height }, result.Receipts, result.StateDiff, result.Contracts);
        return result.Receipts.Count;
    }
}
