using System.Diagnostics.CodeAnalysis;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

/// <summary>
/// The per-account storage tries (docs/state.md): a secure trie per contract, keyed by suite_hash(slot as 32 bytes),
/// valued rlp(value), whose root is the storage_root of the account's leaf. Nodes live in the trie-nodes family under
/// 0x01 ‖ suite_hash(address) ‖ nibble path; when a proof window is kept, each replaced node goes to the history family
/// in the same format as the account trie's, so that proofs at recent heights read the tries as they were.
/// </summary>
internal interface IStorageTries
{
    /// <summary>
    /// Applies the block's storage changes to each account's trie, adding node writes to <paramref name="batch"/>, and
    /// returns the new storage root of every account whose storage changed (zero: no storage left), in address order.
    /// </summary>
    IReadOnlyList<KeyValuePair<Address, Hash32>> Apply(ulong height, ContractStateDiff diff, Func<Address, Hash32> currentRoot, IKeyValueWriteBatch batch);

    /// <summary>The storage roots <see cref="Apply"/> would give, computed without writing anything.</summary>
    IReadOnlyList<KeyValuePair<Address, Hash32>> ComputeRoots(ContractStateDiff diff, Func<Address, Hash32> currentRoot);

    /// <summary>Proof of one slot under <paramref name="storageRoot"/> (zero: the empty trie) and the slot's value.</summary>
    (byte[][] Nodes, UInt256 Value) GetProof(Hash32 storageRoot, Address address, UInt256 slot, HistoricalRead? history);

    /// <summary>Reads a slot through the trie (for consistency checks and reads at past heights).</summary>
    UInt256 ReadThroughTrie(Hash32 storageRoot, Address address, UInt256 slot, HistoricalRead? history);
}

/// <summary>How to read nodes as they were after <see cref="Height"/>: through the history of later blocks, on a snapshot.</summary>
internal sealed record HistoricalRead(ulong Height, ulong Head, IKeyValueReader Snapshot);

internal static class StorageTries
{
    public const byte StorageTriePrefix = 0x01;

    public static IStorageTries Create(CryptoSuite suite, IKeyValueEngine engine, KeyValueFamily nodes, KeyValueFamily history, bool keepHistory) =>
        suite.Name == CryptoSuite.Sm2Sm3Name
            ? new StorageTries<Sm3Hasher>(engine, nodes, history, keepHistory)
            : new StorageTries<Sha256Hasher>(engine, nodes, history, keepHistory);

    /// <summary>Flat storage key: address (20) ‖ slot (32, big-endian).</summary>
    public static byte[] FlatKey(Address address, UInt256 slot)
    {
        var key = new byte[Address.Size + UInt256.Size];
        address.WriteTo(key);
        slot.WriteBigEndian(key.AsSpan(Address.Size));
        return key;
    }
}

internal sealed class StorageTries<THasher>(IKeyValueEngine engine, KeyValueFamily nodes, KeyValueFamily history, bool keepHistory) : IStorageTries
    where THasher : struct, IHasher
{
    public IReadOnlyList<KeyValuePair<Address, Hash32>> Apply(ulong height, ContractStateDiff diff, Func<Address, Hash32> currentRoot, IKeyValueWriteBatch batch) =>
        Update(height, diff, currentRoot, batch);

    public IReadOnlyList<KeyValuePair<Address, Hash32>> ComputeRoots(ContractStateDiff diff, Func<Address, Hash32> currentRoot) =>
        Update(0, diff, currentRoot, null);

    private List<KeyValuePair<Address, Hash32>> Update(ulong height, ContractStateDiff diff, Func<Address, Hash32> currentRoot, IKeyValueWriteBatch? batch)
    {
        var roots = new SortedDictionary<Address, Hash32>();
        var cleared = new HashSet<Address>(diff.ClearedStorage);
        foreach (var address in diff.ClearedStorage)
        {
            if (batch is not null)
            {
                DeleteTrie(address, height, batch);
            }
            roots[address] = Hash32.Zero;
        }
        Span<byte> slotKey = stackalloc byte[UInt256.Size];
        Span<byte> value = stackalloc byte[RlpCodec.LengthOfUInt256(UInt256.MaxValue)];
        var i = 0;
        while (i < diff.Storage.Count)
        {
            var address = diff.Storage[i].Address;
            var prefix = Prefix(address);
            var root = cleared.Contains(address) ? Hash32.Zero : currentRoot(address);
            var store = new NodeStore(engine, nodes, prefix);
            var trie = root.IsZero
                ? new MerklePatriciaTrie<THasher>(EmptyStore.Instance, TrieKeyMode.Secure)
                : OpenTrie(store, root, address);
            for (; i < diff.Storage.Count && diff.Storage[i].Address == address; i++)
            {
                var change = diff.Storage[i];
                change.Slot.WriteBigEndian(slotKey);
                if (change.Value.IsZero)
                {
                    trie.Delete(slotKey);
                }
                else
                {
                    var writer = new RlpWriter(value);
                    writer.WriteUInt256(change.Value);
                    trie.Set(slotKey, writer.Written);
                }
            }
            var newRoot = batch is null ? trie.ComputeRoot() : trie.Commit(new Batch(nodes, history, prefix, keepHistory ? height : null, batch));
            roots[address] = newRoot == MerklePatriciaTrie<THasher>.EmptyRoot ? Hash32.Zero : newRoot;
        }
        return [.. roots];
    }

    public (byte[][] Nodes, UInt256 Value) GetProof(Hash32 storageRoot, Address address, UInt256 slot, HistoricalRead? read)
    {
        if (storageRoot.IsZero)
        {
            return ([[0x80]], UInt256.Zero);
        }
        var trie = OpenTrie(Store(address, read), storageRoot, address);
        var key = slot.ToBigEndian();
        var proof = trie.GetProof(key);
        return (proof, trie.TryGet(key, out var encoded) ? DecodeValue(encoded) : UInt256.Zero);
    }

    public UInt256 ReadThroughTrie(Hash32 storageRoot, Address address, UInt256 slot, HistoricalRead? read)
    {
        if (storageRoot.IsZero)
        {
            return UInt256.Zero;
        }
        var trie = OpenTrie(Store(address, read), storageRoot, address);
        return trie.TryGet(slot.ToBigEndian(), out var encoded) ? DecodeValue(encoded) : UInt256.Zero;
    }

    internal static UInt256 DecodeValue(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        if (!reader.TryReadUInt256(out var value) || !reader.TryReadEnd() || value.IsZero)
        {
            throw new StoreException("a storage slot in a storage trie does not decode");
        }
        return value;
    }

    private ITrieNodeStore Store(Address address, HistoricalRead? read) =>
        read is null ? new NodeStore(engine, nodes, Prefix(address)) : new HistoricalNodeStore(nodes, history, Prefix(address), read);

    private static MerklePatriciaTrie<THasher> OpenTrie(ITrieNodeStore store, Hash32 root, Address address)
    {
        try
        {
            return new MerklePatriciaTrie<THasher>(store, TrieKeyMode.Secure, root);
        }
        catch (TrieException ex)
        {
            throw new StoreException($"the storage trie of {address} does not match its storage root {root}: {ex.Message}", ex);
        }
    }

    /// <summary>Removes every node of the account's storage trie (recording each in the history when it is kept).</summary>
    private void DeleteTrie(Address address, ulong height, IKeyValueWriteBatch batch)
    {
        foreach (var (key, node) in engine.Scan(nodes, Prefix(address)))
        {
            if (keepHistory)
            {
                batch.Put(history, StateCommitment.HistoryKey(height, key), (byte[])[0x01, .. node]);
            }
            batch.Delete(nodes, key);
        }
    }

    /// <summary>0x01 ‖ suite_hash(address): the storage trie's key prefix in the trie-nodes family.</summary>
    private static byte[] Prefix(Address address)
    {
        var prefix = new byte[1 + Hash32.Size];
        prefix[0] = StorageTries.StorageTriePrefix;
        Span<byte> raw = stackalloc byte[Address.Size];
        address.WriteTo(raw);
        THasher.Hash(raw, prefix.AsSpan(1));
        return prefix;
    }

    private static byte[] NodeKey(byte[] prefix, ReadOnlySpan<byte> nibblePath) => [.. prefix, .. nibblePath];

    /// <summary>A trie with no stored nodes: a storage trie that starts empty reads nothing from the database.</summary>
    private sealed class EmptyStore : ITrieNodeStore
    {
        public static readonly EmptyStore Instance = new();

        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [NotNullWhen(true)] out byte[]? encodedNode)
        {
            encodedNode = null;
            return false;
        }
    }

    private sealed class NodeStore(IKeyValueReader reader, KeyValueFamily family, byte[] prefix) : ITrieNodeStore
    {
        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [NotNullWhen(true)] out byte[]? encodedNode)
        {
            encodedNode = reader.Get(family, NodeKey(prefix, nibblePath));
            return encodedNode is not null;
        }
    }

    /// <summary>The storage trie's nodes as they were after a height: the first history record above it, else today's node.</summary>
    private sealed class HistoricalNodeStore(KeyValueFamily family, KeyValueFamily history, byte[] prefix, HistoricalRead read)
        : ITrieNodeStore
    {
        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [NotNullWhen(true)] out byte[]? encodedNode)
        {
            var nodeKey = NodeKey(prefix, nibblePath);
            for (var later = read.Height + 1; later <= read.Head; later++)
            {
                var record = read.Snapshot.Get(history, StateCommitment.HistoryKey(later, nodeKey));
                if (record is not null)
                {
                    encodedNode = record[0] == 0x01 ? record[1..] : null;
                    return encodedNode is not null;
                }
            }
            encodedNode = read.Snapshot.Get(family, nodeKey);
            return encodedNode is not null;
        }
    }

    /// <summary>Writes a storage trie's changed nodes under its prefix, recording what each replaced when history is kept.</summary>
    private sealed class Batch(KeyValueFamily family, KeyValueFamily history, byte[] prefix, ulong? height, IKeyValueWriteBatch batch)
        : ITrieNodeWriteBatch
    {
        public void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode, byte[]? previous)
        {
            var key = NodeKey(prefix, nibblePath);
            Record(key, previous);
            batch.Put(family, key, encodedNode);
        }

        public void Delete(ReadOnlySpan<byte> nibblePath, byte[] previous)
        {
            var key = NodeKey(prefix, nibblePath);
            Record(key, previous);
            batch.Delete(family, key);
        }

        // The replaced node comes from the trie, which loaded it before changing it: no read of the store.
        private void Record(byte[] key, byte[]? previous)
        {
            if (height is { } h)
            {
                StateCommitment.PutHistory(batch, history, h, key, previous);
            }
        }
    }
}
