using BenchmarkDotNet.Attributes;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.Precompiles;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The BN254 precompiles through their public entry point (input parsing, subgroup checks and output included):
/// 0x06 add, 0x07 mul with a full 256-bit scalar, 0x08 pairing checks of 2 and 4 pairs (the usual Groth16 verifier
/// makes one 4-pair check). Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*Bn254Benchmarks*' --inProcess
/// </summary>
[MemoryDiagnoser]
public class Bn254Benchmarks
{
    private const string G1 = "0000000000000000000000000000000000000000000000000000000000000001" +
        "0000000000000000000000000000000000000000000000000000000000000002";

    private const string NegG1 = "0000000000000000000000000000000000000000000000000000000000000001" +
        "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45";

    private const string G2 =
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2" +
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed" +
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b" +
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";

    private readonly Precompile _add = PrecompileSet.Get(PrecompileSet.AddressOf(6))!;
    private readonly Precompile _mul = PrecompileSet.Get(PrecompileSet.AddressOf(7))!;
    private readonly Precompile _pairing = PrecompileSet.Get(PrecompileSet.AddressOf(8))!;
    private readonly byte[] _addInput = Convert.FromHexString(G1 + G1);
    private readonly byte[] _mulInput = Convert.FromHexString(G1 + new string('f', 64));
    private readonly byte[] _pairing2 = Convert.FromHexString(G1 + G2 + NegG1 + G2);
    private readonly byte[] _pairing4 = Convert.FromHexString(G1 + G2 + NegG1 + G2 + G1 + G2 + NegG1 + G2);

    [GlobalSetup]
    public void Check()
    {
        foreach (var (precompile, input) in new[] { (_add, _addInput), (_mul, _mulInput), (_pairing, _pairing2), (_pairing, _pairing4) })
        {
            var result = precompile.Run(input, 10_000_000);
            if (result.Status != EvmStatus.Returned)
            {
                throw new InvalidOperationException($"benchmark input rejected: {result.Status}");
            }
        }
        if (_pairing.Run(_pairing4, 10_000_000).Output.Span[31] != 1)
        {
            throw new InvalidOperationException("the 4-pair check must hold");
        }
    }

    /// <summary>
    /// <c>bn254-run [SECONDS]</c>: each operation repeated for about SECONDS, printed as microseconds per call of wall
    /// clock and of process CPU time (the steadier figure on a loaded machine).
    /// </summary>
    public static int RunCommand(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 2.0;
        var bench = new Bn254Benchmarks();
        bench.Check();
        foreach (var (name, op) in new (string, Func<CallResult>)[] { ("add", bench.Add), ("mul", bench.Mul), ("pairing-2", bench.Pairing2), ("pairing-4", bench.Pairing4) })
        {
            op();
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long calls = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                op();
                calls++;
            }
            var wall = clock.Elapsed.TotalMilliseconds * 1000 / calls;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds * 1000 / calls;
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {calls} calls, {wall:F1} us/call wall, {cpu:F1} us/call CPU"));
        }
        return 0;
    }

    [Benchmark]
    public CallResult Add() => _add.Run(_addInput, 10_000_000);

    [Benchmark]
    public CallResult Mul() => _mul.Run(_mulInput, 10_000_000);

    [Benchmark]
    public CallResult Pairing2() => _pairing.Run(_pairing2, 10_000_000);

    [Benchmark]
    public CallResult Pairing4() => _pairing.Run(_pairing4, 10_000_000);
}
