using System.Diagnostics;
using System.Globalization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// Macro measurement (not BenchmarkDotNet): creates N accounts in blocks of 10,000 through the real store and
/// reports the commit rate (root included, synced) and the bytes on disk per account.
/// Run: dotnet run -c Release --project bench/Benchmarks -- state-disk 1000000
/// </summary>
internal static class StateDiskUsage
{
    public static int Run(int accounts)
    {
        var dir = Directory.CreateTempSubdirectory("shc-disk-").FullName;
        try
        {
            var genesis = new GenesisFile
            {
                ChainId = "disk",
                Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
            };
            var random = new Random(7);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            using (var store = ChainStore.Open(Path.Combine(dir, "chain"), genesis))
            {
                for (var created = 0; created < accounts; created += 10_000)
                {
                    var diff = new List<KeyValuePair<Address, AccountState>>(10_000);
                    for (var i = 0; i < 10_000; i++)
                    {
                        var bytes = new byte[Address.Size];
                        random.NextBytes(bytes);
                        diff.Add(new(new Address(bytes), new AccountState(1, new UInt256(1_000_000_000_000_000_000UL), Hash32.Zero)));
                    }
                    StateCommitBenchmarks.CommitDiff(store, genesis, diff);
                }
            }
            var seconds = watch.Elapsed.TotalSeconds;
            // CPU time (all threads, RocksDB's included) varies less than wall time on a shared machine.
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            // Reopening compacts nothing, but flushes the memtables on close, so the files hold everything.
            var bytesOnDisk = new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            Console.WriteLine($"accounts: {accounts:N0} in blocks of 10,000");
            Console.WriteLine($"commit rate (flat + trie + root, synced): {accounts / seconds:N0} account updates/s ({seconds:F1} s)");
            Console.WriteLine($"CPU time: {cpuSeconds:F1} s ({cpuSeconds * 1e6 / accounts:F1} µs per update; load average {LoadAverage()})");
            Console.WriteLine($"CPU by thread: {CpuByThread()}");
            Console.WriteLine($"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2, {GC.GetTotalPauseDuration().TotalSeconds:F1} s paused; " +
                $"heap {GC.GetTotalMemory(false) >> 20} MiB");
            Console.WriteLine($"bytes on disk: {bytesOnDisk:N0} ({bytesOnDisk / (double)accounts:F0} bytes per account, {bytesOnDisk * 1_000_000.0 / accounts / (1 << 20):F0} MiB per million accounts)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Linux: CPU seconds per thread name (main, .NET pool workers, GC, RocksDB's flush and compaction threads).
    private static string CpuByThread()
    {
        if (!Directory.Exists("/proc/self/task"))
        {
            return "unknown";
        }
        var byName = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                byName[name] = byName.GetValueOrDefault(name) + (ticks / 100);
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }
        return string.Join(", ", byName.Where(p => p.Value >= 0.1).Select(p => $"{p.Key} {p.Value:F1} s"));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
