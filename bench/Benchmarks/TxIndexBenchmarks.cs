using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The transaction-index lookup every commit makes (is each of the block's transactions committed already?), for a
/// block of 5,000 new transactions over an index of <see cref="Indexed"/> entries, held in the memtable or, after a
/// reopen, in table files. One Get per transaction (what Commit did before) against one batched MultiGet.
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*TxIndexBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class TxIndexBenchmarks
{
    private const int BlockSize = 5_000;
    private readonly CryptoSuite _suite = CryptoSuite.Ed25519Sha256;
    private string _dir = "";
    private ChainStore _store = null!;
    private Hash32[] _block = [];

    [Params(200_000)]
    public int Indexed { get; set; }

    [Params(false, true)]
    public bool InTables { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("shc-bench-txindex-").FullName;
        var genesis = new GenesisFile
        {
            ChainId = "bench-txindex",
            Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(_suite).PublicKey) }],
        };
        var path = Path.Combine(_dir, "chain");
        _store = ChainStore.Open(path, genesis);
        var random = new Random(42);
        for (var committed = 0; committed < Indexed; committed += BlockSize)
        {
            var block = new SealedBlock(new BlockHeader
            {
                ChainId = genesis.ChainId,
                Height = _store.HeadHeight + 1,
                ParentHash = ByteString.CopyFrom(_store.HeadHash.ToArray()),
            }, [], _suite);
            var receipts = RandomIds(random).Select(id => new Receipt { TxId = ByteString.CopyFrom(id.ToArray()), Status = ReceiptStatus.Success });
            _store.Commit(block, new QuorumCertificate { Height = block.Height }, [.. receipts], []);
        }
        if (InTables)
        {
            // Reopening flushes the recovered write-ahead log into table files.
            _store.Dispose();
            _store = ChainStore.Open(path, genesis);
        }
        _block = RandomIds(random);
    }

    private static Hash32[] RandomIds(Random random) => [.. Enumerable.Range(0, BlockSize).Select(_ =>
    {
        var id = new byte[Hash32.Size];
        random.NextBytes(id);
        return new Hash32(id);
    })];

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "one Get per transaction")]
    public int GetEach()
    {
        var found = 0;
        foreach (var id in _block)
        {
            found += _store.GetTxLocation(id) is null ? 0 : 1;
        }
        return found;
    }

    [Benchmark(Description = "one HasKey per transaction")]
    public int HasKeyEach()
    {
        var found = 0;
        foreach (var id in _block)
        {
            found += _store.ContainsTransaction(id) ? 1 : 0;
        }
        return found;
    }

    [Benchmark(Description = "one MultiGet per block")]
    public int MultiGetBlock() => _store.ContainsTransactions(_block).Count(f => f);
}
