using System.Diagnostics;
using System.Globalization;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// <c>evm-run SCENARIO [SECONDS] [--transactions]</c>: runs one Solidity workload repeatedly on our EVM for about
/// SECONDS (default 3, after a 1 s warm-up) and prints one JSON line: calls per second, gas per call, Mgas/s.
/// Message calls by default (what @ethereumjs/evm's runCall measures); --transactions runs whole transactions.
/// </summary>
internal static class EvmRunCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 1 || !SolidityWorkloads.Scenarios.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: evm-run SCENARIO [SECONDS] [--transactions]; scenarios: {string.Join(", ", SolidityWorkloads.Scenarios)}");
            return 2;
        }
        var scenario = args[0];
        var seconds = args.Length > 1 && double.TryParse(args[1], CultureInfo.InvariantCulture, out var s) ? s : 3.0;
        var transactions = args.Contains("--transactions");
        var workloads = new SolidityWorkloads();
        var (to, data) = SolidityWorkloads.CallOf(scenario);
        Func<long> once = transactions ? () => workloads.RunTransaction(to, data) : () => workloads.RunMessage(to, data);

        var gasPerCall = once();
        Measure(once, 1.0);
        var (calls, elapsed, cpu, gas) = Measure(once, seconds);
        // On a shared, loaded machine wall-clock rates mostly measure the other tenants; the process's CPU time is the
        // steadier basis, so both are printed (cpuCallsPerSecond = calls per second of CPU this process got).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"engine":"shanghaichain","scenario":"{{scenario}}","mode":"{{(transactions ? "transaction" : "message")}}","calls":{{calls}},"seconds":{{elapsed:F3}},"cpuSeconds":{{cpu:F3}},"gasPerCall":{{gasPerCall}},"callsPerSecond":{{calls / elapsed:F0}},"cpuCallsPerSecond":{{calls / cpu:F0}},"mgasPerSecond":{{gas / elapsed / 1e6:F1}},"cpuMgasPerSecond":{{gas / cpu / 1e6:F1}}}"""));
        return 0;
    }

    private static (long Calls, double Seconds, double CpuSeconds, long Gas) Measure(Func<long> once, double seconds)
    {
        long calls = 0, gas = 0;
        using var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        // Check the clock every 64 calls so that timing costs nothing measurable.
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 64; i++)
            {
                gas += once();
            }
            calls += 64;
        }
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (calls, wall, (process.TotalProcessorTime - cpuStart).TotalSeconds, gas);
    }
}
