using RocksDbSharp;

namespace ShanghaiChain.Storage;

// How the store uses RocksDB: its options (shared with the storage benchmarks, so that they measure this store's
// database) and its batched point reads.
public sealed partial class ChainStore
{
    /// <summary>
    /// Options per family: one shared block cache with bloom filters for the point lookups that dominate
    /// (accounts, receipts, the transaction index, trie nodes); no compression for trie nodes, which are hashes.
    /// Memtables get a whole-key bloom filter too: most lookups (a trie node or account last written many blocks ago)
    /// miss all of a family's memtables, and without the filter each miss is a skip-list search per memtable.
    /// </summary>
    private static ColumnFamilies CreateColumnFamilies()
    {
        var cache = Cache.CreateLru(BlockCacheBytes);
        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, CreateFamilyOptions(name, cache));
        }
        return families;
    }

    // Shared by all families.
    internal const ulong BlockCacheBytes = 256UL * 1024 * 1024;

    /// <summary>The store's database-wide options (also used by the storage benchmarks, so that they measure this store's RocksDB).</summary>
    internal static DbOptions CreateDbOptions(bool isNew) => new DbOptions()
        .SetCreateIfMissing(isNew)
        .SetCreateMissingColumnFamilies(isNew)
        .SetParanoidChecks(true)
        .SetMaxBackgroundCompactions(2)
        .SetMaxBackgroundFlushes(1)
        .IncreaseParallelism(2);

    /// <summary>The options of the family <paramref name="name"/>, with the shared block cache.</summary>
    internal static ColumnFamilyOptions CreateFamilyOptions(string name, Cache cache)
    {
        var table = new BlockBasedTableOptions()
            .SetBlockCache(cache)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true);
        var isTrie = name is ColumnFamilyNames.TrieNodes or ColumnFamilyNames.TrieHistory;
        var options = new ColumnFamilyOptions()
            .SetBlockBasedTableFactory(table)
            .SetCompression(isTrie ? Compression.No : Compression.Lz4)
            .SetWriteBufferSize((isTrie ? 128UL : 64UL) * 1024 * 1024)
            .SetMaxWriteBufferNumber(4)
            .SetLevelCompactionDynamicLevelBytes(true)
            .SetMemtablePrefixBloomSizeRatio(0.05);
        Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
        return options;
    }

    // Chunks keep MultiGet's per-call arrays below the large object heap, whose growth triggers full collections.
    private const int MultiGetChunk = 1024;

    private byte[]?[] MultiGet(ColumnFamilyHandle family, byte[][] keys) => MultiGet(_db, family, keys);

    /// <summary>
    /// Values of <paramref name="keys"/> in one family (null: absent), read in batched MultiGet calls. A block's worth of
    /// keys is read in chunks on all cores: a lookup is mostly CPU work (filters, index and block searches, copies) and
    /// RocksDB's reads are thread-safe. At a million accounts this took a 10,000-account block's flat reads from about
    /// 60 to 40 ms on two cores (docs/state.md §6).
    /// </summary>
    internal static byte[]?[] MultiGet(RocksDb db, ColumnFamilyHandle family, byte[][] keys, ReadOptions? read = null)
    {
        var values = new byte[]?[keys.Length];
        var chunks = (keys.Length + MultiGetChunk - 1) / MultiGetChunk;
        if (chunks > 1)
        {
            Parallel.For(0, chunks, chunk => ReadChunk(db, family, keys, read, values, chunk * MultiGetChunk));
        }
        else if (chunks == 1)
        {
            ReadChunk(db, family, keys, read, values, 0);
        }
        return values;
    }

    private static void ReadChunk(RocksDb db, ColumnFamilyHandle family, byte[][] keys, ReadOptions? read, byte[]?[] values, int start)
    {
        // The perf-context setting is per thread, and these may be pool threads.
        Native.Instance.rocksdb_set_perf_level(PerfLevel.Disable);
        var count = Math.Min(MultiGetChunk, keys.Length - start);
        var chunk = keys[start..(start + count)];
        var families = new ColumnFamilyHandle[count];
        Array.Fill(families, family);
        var found = read is null ? db.MultiGet(chunk, families) : db.MultiGet(chunk, families, read);
        for (var i = 0; i < count; i++)
        {
            values[start + i] = found[i].Value;
        }
    }
}
