using BenchmarkDotNet.Attributes;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

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
    private BenchChain _chain = null!;
    private KeyFile[] _senders = [];

    [Params(1_000, 5_000)]
    public int Transfers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _senders = Enumerable.Range(0, 1_000).Select(_ => KeyFile.Generate(_suite)).ToArray();
        _chain = new BenchChain(ChainId, _senders.Select(s => s.Address));
    }

    [GlobalCleanup]
    public void Cleanup() => _chain.Dispose();

    private List<VerifiedTransaction> _block = [];

    [IterationSetup]
    public void SignBlock()
    {
        var validator = new TransactionValidator(ChainId, _suite, new ChainParameters());
        _block = Enumerable.Range(0, Transfers).Select(i =>
        {
            var sender = _senders[i % _senders.Length];
            var nonce = _chain.Store.GetAccount(sender.Address).Nonce + (ulong)(i / _senders.Length);
            var tx = TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, nonce, Address.Zero, new UInt256(1), 21_000, 1_000_000), sender);
            return validator.Validate(tx, checkSignature: false).Transaction!;
        }).ToList();
    }

    [Benchmark(Description = "execute + commit block")]
    public int ExecuteAndCommit() => _chain.ExecuteAndCommit(_block).Receipts.Count;
}
