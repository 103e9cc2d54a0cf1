using RocksDbSharp;

namespace ShanghaiChain.Storage.Engines;

// The store's RocksDB options, shared with the storage benchmarks so that they measure this store's database.
internal sealed partial class RocksDbEngine
{
    /// <summary>
    /// Options per family: one shared block cache with bloom filters for the point lookups that dominate
    /// (accounts, receipts, the transaction index, trie nodes); no compression for trie nodes, which are hashes.
    /// Memtables get a whole-key bloom filter too: most lookups (a trie node or account last written many blocks ago)
    /// miss all of a family's memtables, and without the filter each miss is a skip-list search per memtable.
    /// </summary>
    private static ColumnFamilies CreateColumnFamilies(IReadOnlyList<string> names)
    {
        var cache = Cache.CreateLru(BlockCacheBytes);
        var families = new ColumnFamilies();
        foreach (var name in names)
        {
            families.Add(name, CreateFamilyOptions(name, cache));
        }
        return families;
    }

    // Shared by all families.
    internal const ulong BlockCacheBytes = 256UL * 1024 * 1024;

    /// <summary>The database-wide options.</summary>
    internal static DbOptions CreateDbOptions(bool isNew) => new DbOptions()
        .SetCreateIfMissing(isNew)
        // A family added by a later version (state_undo) is created in an existing data dir on its first open; a data dir
        // with a family this version does not know still fails to open (RocksDB wants every family opened).
        .SetCreateMissingColumnFamilies(true)
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
}
