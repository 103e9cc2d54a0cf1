using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The transaction-index lookup every commit makes (is each of the block's transactions committed already?), for a
/// block of 5,000 new transactions over an index of <see cref="Indexed"/> entries, held in the memtable or, after a
/// reopen, in table files. One Get per transaction (what Commit did before) and one HasKey per transaction against one
/// batched MultiGet (what Commit does).
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*TxIndexBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class TxIndexBenchmarks
{
    private const int BlockSize = 5_000;
    private BenchChain _chain = null!;
    private Hash32[] _block = [];

    [Params(200_000)]
    public int Indexed { get; set; }

    [Params(false, true)]
    public bool InTables { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chain = new BenchChain("bench-txindex", []);
        var random = new Random(42);
        for (var committed = 0; committed < Indexed; committed += BlockSize)
        {
            _chain.CommitReceipts([.. RandomIds(random).Select(id => new Receipt { TxId = ByteString.CopyFrom(id.ToArray()), Status = ReceiptStatus.Success })]);
        }
        if (InTables)
        {
            _chain.Reopen();
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
    public void Cleanup() => _chain.Dispose();

    [Benchmark(Baseline = true, Description = "one Get per transaction")]
    public int GetEach()
    {
        var found = 0;
        foreach (var id in _block)
        {
            found += _chain.Store.GetTxLocation(id) is null ? 0 : 1;
        }
        return found;
    }

    [Benchmark(Description = "one HasKey per transaction")]
    public int HasKeyEach()
    {
        var found = 0;
        foreach (var id in _block)
        {
            found += _chain.Store.ContainsTransaction(id) ? 1 : 0;
        }
        return found;
    }

    [Benchmark(Description = "one MultiGet per block")]
    public int MultiGetBlock() => _chain.Store.ContainsTransactions(_block).Count(f => f);
}
