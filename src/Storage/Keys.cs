using System.Buffers.Binary;

namespace ShanghaiChain.Storage;

/// <summary>Key layouts of the column families (docs/storage.md). Heights are big-endian so they sort in order.</summary>
internal static class StoreKeys
{
    public static readonly byte[] SchemaVersion = "schema_version"u8.ToArray();
    public static readonly byte[] ChainId = "chain_id"u8.ToArray();
    public static readonly byte[] GenesisHash = "genesis_hash"u8.ToArray();
    public static readonly byte[] Head = "head"u8.ToArray();
    public static readonly byte[] SafetyRecord = "safety_record"u8.ToArray();
    public static readonly byte[] HistoryFrom = "trie_history_from"u8.ToArray();
    public static readonly byte[] HistoryWindow = "trie_history_window"u8.ToArray();
    public static readonly byte[] StateTrieFlushed = "state_trie_flushed"u8.ToArray();
    public static readonly byte[] BaseHeight = "base_height"u8.ToArray();

    /// <summary>The epoch-end record of an epoch (metadata family): <c>epoch_end</c> ‖ epoch (8 bytes BE).</summary>
    public static byte[] EpochEnd(ulong epoch)
    {
        var key = new byte[9 + 8];
        "epoch_end"u8.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(9), epoch);
        return key;
    }

    public static byte[] Height(ulong height)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, height);
        return key;
    }

    /// <summary>Head record: height (8 bytes BE) followed by the block hash (32 bytes).</summary>
    public static byte[] EncodeHead(ulong height, ReadOnlySpan<byte> hash)
    {
        var value = new byte[40];
        BinaryPrimitives.WriteUInt64BigEndian(value, height);
        hash.CopyTo(value.AsSpan(8));
        return value;
    }

    /// <summary>Transaction location: height (8 bytes BE) and index (4 bytes BE).</summary>
    public static byte[] EncodeLocation(ulong height, uint index)
    {
        var value = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(value, height);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(8), index);
        return value;
    }
}
