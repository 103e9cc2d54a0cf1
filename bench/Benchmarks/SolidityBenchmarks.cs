using BenchmarkDotNet.Attributes;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// OpenZeppelin ERC-20 <c>transfer</c> as whole transactions (TransactionProcessor) and as bare message calls, and the
/// compute-heavy Solidity functions; per-operation time, so transfers per second = 1 / mean.
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*SolidityBenchmarks*' --inProcess
/// For rates and gas per second in one line each, use the evm-run command (docs/benchmarks.md).
/// </summary>
[MemoryDiagnoser]
public class SolidityBenchmarks
{
    private const int Transfers = 1000;
    private SolidityWorkloads _workloads = null!;
    private (ShanghaiChain.Core.Primitives.Address To, byte[] Data) _transfer;

    [Params("hash-chain", "mod-exp", "sort")]
    public string Compute { get; set; } = "";

    private (ShanghaiChain.Core.Primitives.Address To, byte[] Data) _compute;

    [GlobalSetup]
    public void Setup()
    {
        _workloads = new SolidityWorkloads();
        _transfer = SolidityWorkloads.CallOf("erc20-transfer");
        _compute = SolidityWorkloads.CallOf(Compute);
    }

    [Benchmark(OperationsPerInvoke = Transfers)]
    public long Erc20TransferTransaction()
    {
        long gas = 0;
        for (var i = 0; i < Transfers; i++)
        {
            gas += _workloads.RunTransaction(_transfer.To, _transfer.Data);
        }
        return gas;
    }

    [Benchmark(OperationsPerInvoke = Transfers)]
    public long Erc20TransferMessage()
    {
        long gas = 0;
        for (var i = 0; i < Transfers; i++)
        {
            gas += _workloads.RunMessage(_transfer.To, _transfer.Data);
        }
        return gas;
    }

    [Benchmark]
    public long ComputeCall() => _workloads.RunMessage(_compute.To, _compute.Data);
}
