using System.Diagnostics;
using System.Globalization;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// The floor under any account commit that keeps the flat accounts in RocksDB, as the state design requires (one get
/// per account read): per block of 10,000 updates of existing accounts, the batched read of those accounts and the
/// synced write of their new values, through the store's own RocksDB engine (its options and batched read path), and
/// no trie, journal or block at all. Whatever the trie costs comes on top, so 10,000 / (read + write) bounds the updates
/// per second a block commit can reach on this machine (docs/state.md §6).
/// Run: dotnet run -c Release --project bench/Benchmarks -- storage-floor 1000000 [--blocks 30]
/// </summary>
internal static class StorageFloor
{
    private const int BlockSize = 10_000;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var accounts) || accounts < BlockSize)
        {
            Console.Error.WriteLine("usage: storage-floor ACCOUNTS [--blocks N]   (ACCOUNTS >= 10000)");
            return 2;
        }
        var blocks = 30;
        if (args.Length > 1 && (args.Length != 3 || args[1] != "--blocks" || !int.TryParse(args[2], CultureInfo.InvariantCulture, out blocks) || blocks < 1))
        {
            Console.Error.WriteLine($"storage-floor: bad options '{string.Join(' ', args[1..])}'");
            return 2;
        }
        var dir = Directory.CreateTempSubdirectory("shc-floor-").FullName;
        try
        {
            using var engine = RocksDbEngine.Open(dir, [ColumnFamilyNames.Accounts]);
            var family = engine.GetFamily(ColumnFamilyNames.Accounts);
            var random = new Random(7);
            var keys = new byte[accounts][];
            for (var start = 0; start < accounts; start += BlockSize)
            {
                using var batch = engine.CreateWriteBatch();
                for (var i = start; i < Math.Min(accounts, start + BlockSize); i++)
                {
                    keys[i] = new byte[Address.Size];
                    random.NextBytes(keys[i]);
                    batch.Put(family, keys[i], FlatAccountCodec.Encode(new AccountState(1, new UInt256(1_000_000_000), Hash32.Zero)));
                }
                engine.Write(batch, sync: true);
            }
            Console.WriteLine($"storage floor: {accounts:N0} flat accounts, then {blocks} blocks of {BlockSize:N0} updates of existing accounts; " +
                "read (batched, all cores) and synced write only, no trie");
            var read = TimeSpan.Zero;
            var write = TimeSpan.Zero;
            for (var block = 0; block < blocks; block++)
            {
                var chosen = new HashSet<int>();
                while (chosen.Count < BlockSize)
                {
                    chosen.Add(random.Next(accounts));
                }
                var blockKeys = chosen.Select(i => keys[i]).ToArray();
                var watch = Stopwatch.StartNew();
                var values = new byte[]?[blockKeys.Length];
                engine.MultiGet(family, blockKeys, values);
                var states = values.Select(v => FlatAccountCodec.Decode(v ?? throw new InvalidOperationException("an account written by this run is missing"))).ToArray();
                read += watch.Elapsed;
                watch.Restart();
                using (var batch = engine.CreateWriteBatch())
                {
                    for (var i = 0; i < blockKeys.Length; i++)
                    {
                        batch.Put(family, blockKeys[i], FlatAccountCodec.Encode(states[i] with { Nonce = states[i].Nonce + 1 }));
                    }
                    engine.Write(batch, sync: true);
                }
                write += watch.Elapsed;
            }
            var readMs = read.TotalMilliseconds / blocks;
            var writeMs = write.TotalMilliseconds / blocks;
            Console.WriteLine($"per block: read {readMs:F1} ms, write {writeMs:F1} ms (synced); " +
                $"ceiling {BlockSize / ((readMs + writeMs) / 1000):N0} account updates/s before any trie work");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
