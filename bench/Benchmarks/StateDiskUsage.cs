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
/// Macro measurement (not BenchmarkDotNet) through the real store, in blocks of 10,000 account changes, each committed
/// the way the node commits a block (flat accounts, trie nodes, root, history for the proof window, one synced batch):
/// first N new accounts, then blocks that update existing accounts (9,000 changed balances and 1,000 new accounts per
/// block, as transfers do). Reports both rates, CPU time, allocation, GC and bytes on disk.
/// Run: dotnet run -c Release --project bench/Benchmarks -- state-disk 1000000 [--update-blocks 30] [--proof-window 128]
/// (the node's default proof window is 128; 0 keeps no history).
/// </summary>
internal static class StateDiskUsage
{
    private const int BlockSize = 10_000;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var accounts) || accounts < BlockSize)
        {
            Console.Error.WriteLine("usage: state-disk ACCOUNTS [--update-blocks N] [--proof-window N]   (ACCOUNTS >= 10000)");
            return 2;
        }
        var updateBlocks = 30;
        ulong proofWindow = 128;
        for (var i = 1; i < args.Length; i += 2)
        {
            var ok = i + 1 < args.Length && args[i] switch
            {
                "--update-blocks" => int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out updateBlocks) && updateBlocks >= 0,
                "--proof-window" => ulong.TryParse(args[i + 1], CultureInfo.InvariantCulture, out proofWindow),
                _ => false,
            };
            if (!ok)
            {
                Console.Error.WriteLine($"state-disk: bad option '{args[i]}'");
                return 2;
            }
        }
        var dir = Directory.CreateTempSubdirectory("shc-disk-").FullName;
        try
        {
            var genesis = new GenesisFile
            {
                ChainId = "disk",
                Validators = [new GenesisValidator { Name = "v", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey) }],
            };
            var random = new Random(7);
            var created = new List<Address>(accounts + updateBlocks * 1_000);
            Console.WriteLine($"accounts: {accounts:N0} created, then {updateBlocks} blocks of 9,000 updates + 1,000 new; blocks of {BlockSize:N0}; proof window {proofWindow}");
            using (var store = ChainStore.Open(Path.Combine(dir, "chain"), genesis, proofWindow: proofWindow))
            {
                Measure("create", accounts, () =>
                {
                    for (var done = 0; done < accounts; done += BlockSize)
                    {
                        var diff = new List<KeyValuePair<Address, AccountState>>(BlockSize);
                        for (var i = 0; i < BlockSize; i++)
                        {
                            diff.Add(new(NewAddress(random, created), Account(1, 1_000_000_000)));
                        }
                        CommitTimed(store, genesis, diff);
                    }
                });
                var bytesAfterCreate = BytesOnDisk(dir);
                Console.WriteLine($"  bytes on disk: {bytesAfterCreate:N0} ({bytesAfterCreate / (double)accounts:F0} bytes per account, " +
                    $"{bytesAfterCreate * 1_000_000.0 / accounts / (1 << 20):F0} MiB per million accounts, before compaction)");
                Measure("update", updateBlocks * BlockSize, () =>
                {
                    for (var block = 0; block < updateBlocks; block++)
                    {
                        var changed = new HashSet<Address>();
                        var diff = new List<KeyValuePair<Address, AccountState>>(BlockSize);
                        while (changed.Count < 9_000)
                        {
                            var address = created[random.Next(created.Count)];
                            if (changed.Add(address))
                            {
                                diff.Add(new(address, Account((ulong)block + 2, (ulong)random.Next())));
                            }
                        }
                        for (var i = 0; i < 1_000; i++)
                        {
                            diff.Add(new(NewAddress(random, created), Account(1, 1_000_000_000)));
                        }
                        CommitTimed(store, genesis, diff);
                    }
                });
                MeasureHistoricalProofs(store, created, proofWindow);
            }
            Console.WriteLine($"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2, " +
                $"{GC.GetTotalPauseDuration().TotalSeconds:F1} s paused; heap {GC.GetTotalMemory(false) >> 20} MiB");
            Console.WriteLine($"CPU by thread: {CpuByThread()}");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A proof at an older height rebuilds that height's account trie from the flushed trie and the journal, once per
    // height (then cached): the first proof pays the rebuild, the next ones a walk over the rebuilt trie.
    private static void MeasureHistoricalProofs(ChainStore store, List<Address> created, ulong proofWindow)
    {
        var head = store.HeadHeight;
        foreach (var back in new ulong[] { 1, 10, 30 })
        {
            if (back > proofWindow || back > head)
            {
                continue;
            }
            var watch = Stopwatch.StartNew();
            var first = store.GetAccountProof(created[0], head - back) ?? throw new InvalidOperationException($"no proof at height {head - back}");
            var rebuild = watch.Elapsed;
            const int proofs = 2_000;
            watch.Restart();
            for (var i = 1; i <= proofs; i++)
            {
                _ = store.GetAccountProof(created[i * 97 % created.Count], head - back);
            }
            Console.WriteLine($"proofs {back} block(s) below the head: first {rebuild.TotalMilliseconds:F0} ms (rebuilds height {first.Height}), " +
                $"then {watch.Elapsed.TotalMicroseconds / proofs:F1} µs per proof");
        }
    }

    private static Address NewAddress(Random random, List<Address> created)
    {
        var bytes = new byte[Address.Size];
        random.NextBytes(bytes);
        var address = new Address(bytes);
        created.Add(address);
        return address;
    }

    private static AccountState Account(ulong nonce, ulong balance) => new(nonce, new UInt256(balance), Hash32.Zero);

    // Wall time of each block's commit in the phase being measured: the median, and the slowest (a block that flushes the
    // trie, or meets a GC or a RocksDB stall), which is what a validator waiting for the commit sees.
    private static readonly List<double> BlockMilliseconds = [];

    private static void CommitTimed(ChainStore store, GenesisFile genesis, List<KeyValuePair<Address, AccountState>> diff)
    {
        var watch = Stopwatch.StartNew();
        StateCommitBenchmarks.CommitDiff(store, genesis, diff);
        BlockMilliseconds.Add(watch.Elapsed.TotalMilliseconds);
    }

    // Wall rate, CPU time of all threads (RocksDB's included: it varies less than wall time on a shared machine), allocation.
    private static void Measure(string phase, int updates, Action run)
    {
        BlockMilliseconds.Clear();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pausedBefore = GC.GetTotalPauseDuration();
        var watch = Stopwatch.StartNew();
        run();
        var seconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Console.WriteLine($"{phase}: {updates / seconds:N0} account updates/s ({updates:N0} in {seconds:F1} s); " +
            $"CPU {cpuSeconds * 1e6 / updates:F1} µs per update; allocated {allocated / (double)updates:N0} bytes per update; " +
            $"GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds:F1} s; load average {LoadAverage()}");
        var sorted = BlockMilliseconds.Order().ToList();
        Console.WriteLine($"  block commit: median {sorted[sorted.Count / 2]:F0} ms, slowest {sorted[^1]:F0} ms ({sorted.Count} blocks)");
    }

    private static long BytesOnDisk(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

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
