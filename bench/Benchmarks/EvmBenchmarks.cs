using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// EVM interpreter throughput on compute-heavy loops, reported as gas per second (column "Mgas/s").
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*EvmBenchmarks*' --inProcess
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GasConfig))]
public class EvmBenchmarks
{
    private static readonly Address ArithmeticContract = Address.Parse("0x000000000000000000000000000000000000c0de");
    private static readonly Address CountingContract = Address.Parse("0x000000000000000000000000000000000000c0df");
    private static readonly Address Caller = Address.Parse("0x000000000000000000000000000000000000ca11");

    /// <summary>Gas one invocation of each benchmark uses, measured once in setup.</summary>
    internal static readonly Dictionary<string, long> GasPerInvocation = [];

    private const long GasLimit = 1_000_000_000;
    private VirtualMachine _vm = null!;
    private InMemoryWorldState _state = null!;

    // 20,000 iterations of: x' = x*x + i; y' = mulmod(x', y, p); x' / (i | 1) (discarded); i -= 1. All 256-bit words.
    private static readonly byte[] ArithmeticLoop = Convert.FromHexString(
        "614e20" +                                                                // PUSH2 20000            [i]
        "7f0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +    // PUSH32 x               [i, x]
        "6003" +                                                                  // PUSH1 3                [i, x, y]
        "5b" +                                                                    // JUMPDEST (0x26)
        "81" + "80" + "02" + "83" + "01" +                                        // DUP2 DUP1 MUL DUP4 ADD [i, x, y, x']
        "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc5" +    // PUSH32 p               [i, x, y, x', p]
        "82" + "82" + "09" +                                                      // DUP3 DUP3 MULMOD       [i, x, y, x', y']
        "6001" + "85" + "17" + "82" + "04" + "50" +                               // PUSH1 1 DUP6 OR DUP3 DIV POP
        "91" + "50" + "91" + "50" +                                               // SWAP2 POP SWAP2 POP    [i, x', y']
        "82" + "6001" + "90" + "03" + "92" + "50" +                               // DUP3 PUSH1 1 SWAP1 SUB SWAP3 POP [i-1, x', y']
        "82" + "6026" + "57" +                                                    // DUP3 PUSH1 0x26 JUMPI
        "00");

    // A tight counting loop: the dispatch overhead of cheap opcodes.
    private static readonly byte[] CountingLoop = Convert.FromHexString("6301000000" + "5b" + "6001" + "90" + "03" + "80" + "6005" + "57" + "00");

    [GlobalSetup]
    public void Setup()
    {
        _state = new InMemoryWorldState();
        _vm = new VirtualMachine(_state, new BlockContext { Coinbase = Address.Zero, Number = 1, Timestamp = 1, GasLimit = GasLimit });
        _state.Seed(ArithmeticContract, UInt256.Zero, 1, ArithmeticLoop, []);
        _state.Seed(CountingContract, UInt256.Zero, 1, CountingLoop, []);
        GasPerInvocation[nameof(Arithmetic)] = Run(ArithmeticContract);
        GasPerInvocation[nameof(Counting)] = Run(CountingContract);
    }

    private long Run(Address contract)
    {
        var result = _vm.Execute(new Message(CallKind.Call, Caller, contract, contract, UInt256.Zero, ReadOnlyMemory<byte>.Empty, GasLimit));
        if (result.Status != EvmStatus.Stopped)
        {
            throw new InvalidOperationException($"benchmark program ended with {result.Status}");
        }
        return GasLimit - result.GasLeft;
    }

    [Benchmark]
    public long Arithmetic() => Run(ArithmeticContract);

    [Benchmark]
    public long Counting() => Run(CountingContract);

    private sealed class GasConfig : ManualConfig
    {
        public GasConfig() => AddColumn(new GasPerSecondColumn());
    }

    /// <summary>Million gas per second: the gas of one invocation over its mean time.</summary>
    private sealed class GasPerSecondColumn : IColumn
    {
        public string Id => "MgasPerSecond";

        public string ColumnName => "Mgas/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Million gas executed per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
            if (report?.ResultStatistics is null || !GasPerInvocation.TryGetValue(name, out var gas))
            {
                // Benchmarks run in a separate process; recompute the gas here when the table is built.
                var bench = new EvmBenchmarks();
                bench.Setup();
                if (report?.ResultStatistics is null || !GasPerInvocation.TryGetValue(name, out gas))
                {
                    return "-";
                }
            }
            return (gas / report.ResultStatistics.Mean * 1000).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
