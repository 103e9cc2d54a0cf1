using RocksDbSharp;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Storage;

/// <summary>
/// The authenticated commitment to account state: a secure Merkle Patricia Trie keyed by suite_hash(address)
/// whose leaves are rlp([nonce, balance, storage_root, code_hash]) (docs/state.md). Reads never go through
/// it (they use the flat accounts family); it exists to compute the state root and proofs.
/// </summary>
internal interface IStateCommitment
{
    /// <summary>Root after the last applied diff.</summary>
    Hash32 Root { get; }

    /// <summary>
    /// Applies block <paramref name="height"/>'s account diff, adds the changed trie nodes to <paramref name="batch"/>
    /// (with the nodes they replace to the history, when a proof window is kept) and returns the new root.
    /// </summary>
    Hash32 Apply(ulong height, IReadOnlyList<KeyValuePair<Address, AccountState>> diff, WriteBatch batch);

    /// <summary>The root after applying <paramref name="layers"/> in order, without writing anything.</summary>
    Hash32 ComputeRoot(IReadOnlyList<IReadOnlyList<KeyValuePair<Address, AccountState>>> layers);

    /// <summary>A proof under an older root, reading nodes as they were after <paramref name="height"/>.</summary>
    (byte[][] Nodes, byte[]? Leaf) GetHistoricalProof(Address address, Hash32 root, ulong height, ulong head, ReadOptions snapshot);

    /// <summary>The trie nodes proving an account's presence or absence at the current root.</summary>
    byte[][] GetProof(Address address);

    /// <summary>Reads an account back through the trie (for consistency checks), or null when absent.</summary>
    AccountState? ReadThroughTrie(Address address);

    /// <summary>The account's encoded leaf in the trie, or null when absent.</summary>
    byte[]? GetLeaf(Address address);

    /// <summary>Number of accounts in the trie (walks the whole trie: for full consistency checks only).</summary>
    long CountAccounts();
}

internal static class StateCommitment
{
    /// <summary>A history record's key: the block height that replaced the node, then the node's key.</summary>
    internal static byte[] HistoryKey(ulong height, ReadOnlySpan<byte> nodeKey)
    {
        var key = new byte[8 + nodeKey.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(key, height);
        nodeKey.CopyTo(key.AsSpan(8));
        return key;
    }

    /// <summary>
    /// Adds the history record of a node that block <paramref name="height"/> replaces: key height ‖ node key, value
    /// 0x00 when there was no node, else 0x01 ‖ the node. Built on the stack unless the node is unusually large.
    /// </summary>
    internal static void PutHistory(WriteBatch batch, ColumnFamilyHandle history, ulong height, ReadOnlySpan<byte> nodeKey, byte[]? previous)
    {
        Span<byte> key = stackalloc byte[8 + nodeKey.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(key, height);
        nodeKey.CopyTo(key[8..]);
        var length = 1 + (previous?.Length ?? 0);
        var value = length <= 1024 ? stackalloc byte[length] : new byte[length];
        value[0] = previous is null ? (byte)0x00 : (byte)0x01;
        previous?.CopyTo(value[1..]);
        batch.Put(key, value, history);
    }

    public static AccountState DecodeLeaf(CryptoSuite suite, byte[] leaf) =>
        suite.Name == CryptoSuite.Sm2Sm3Name ? StateCommitment<Sm3Hasher>.Decode(leaf) : StateCommitment<Sha256Hasher>.Decode(leaf);

    public static IStateCommitment Open(CryptoSuite suite, RocksDb db, ColumnFamilyHandle family, ColumnFamilyHandle history,
        bool keepHistory, Hash32? expectedRoot) =>
        suite.Name == CryptoSuite.Sm2Sm3Name
            ? new StateCommitment<Sm3Hasher>(db, family, history, keepHistory, expectedRoot)
            : new StateCommitment<Sha256Hasher>(db, family, history, keepHistory, expectedRoot);
}

internal sealed class StateCommitment<THasher> : IStateCommitment where THasher : struct, IHasher
{
    /// <summary>Key prefix of the account trie's nodes in the trie family; storage tries get their own later.</summary>
    private const byte AccountTriePrefix = 0x00;

    // Committed nodes deeper than this stay on disk only, so memory does not grow with the number of accounts.
    private const int CachedLevels = 5;

    private static readonly byte[] EmptyCodeHash = HashOfEmpty();

    private readonly MerklePatriciaTrie<THasher> _trie;
    private readonly NodeStore _store;
    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _history;
    private readonly bool _keepHistory;

    public StateCommitment(RocksDb db, ColumnFamilyHandle family, ColumnFamilyHandle history, bool keepHistory, Hash32? expectedRoot)
    {
        _db = db;
        _history = history;
        _keepHistory = keepHistory;
        _store = new NodeStore(db, family);
        try
        {
            _trie = expectedRoot is { } root
                ? new MerklePatriciaTrie<THasher>(_store, TrieKeyMode.Secure, root)
                : new MerklePatriciaTrie<THasher>(_store, TrieKeyMode.Secure);
        }
        catch (TrieException ex)
        {
            throw new StoreException($"the state trie does not match the recorded state root: {ex.Message}", ex);
        }
        Root = _trie.ComputeRoot();
    }

    public Hash32 Root { get; private set; }

    public Hash32 Apply(ulong height, IReadOnlyList<KeyValuePair<Address, AccountState>> diff, WriteBatch batch)
    {
        // One batched update: the trie hashes the keys once and loads the nodes on all their paths in a few batched reads.
        Span<byte> value = stackalloc byte[128];
        var updates = new KeyValuePair<byte[], byte[]>[diff.Count];
        for (var i = 0; i < updates.Length; i++)
        {
            var (address, account) = diff[i];
            updates[i] = new(address.ToArray(), account.IsEmpty ? [] : Encode(account, value).ToArray());
        }
        _trie.Update(updates);
        Root = _trie.Commit(new Batch(batch, _store.Family, _keepHistory ? new HistoryRecorder(_history, height, batch) : null));
        _trie.ReleaseCache(CachedLevels);
        return Root;
    }

    public Hash32 ComputeRoot(IReadOnlyList<IReadOnlyList<KeyValuePair<Address, AccountState>>> layers)
    {
        // A separate trie over the committed nodes: the live one is left untouched.
        var trie = new MerklePatriciaTrie<THasher>(_store, TrieKeyMode.Secure, Root);
        Span<byte> key = stackalloc byte[Address.Size];
        Span<byte> value = stackalloc byte[128];
        foreach (var layer in layers)
        {
            foreach (var (address, account) in layer)
            {
                address.WriteTo(key);
                if (account.IsEmpty)
                {
                    trie.Delete(key);
                }
                else
                {
                    trie.Set(key, Encode(account, value));
                }
            }
        }
        return trie.ComputeRoot();
    }

    public byte[][] GetProof(Address address) => _trie.GetProof(address.ToArray());

    public (byte[][] Nodes, byte[]? Leaf) GetHistoricalProof(Address address, Hash32 root, ulong height, ulong head, ReadOptions snapshot)
    {
        var trie = new MerklePatriciaTrie<THasher>(new HistoricalNodeStore(_db, _store.Family, _history, height, head, snapshot), TrieKeyMode.Secure, root);
        var key = address.ToArray();
        return (trie.GetProof(key), trie.TryGet(key, out var leaf) ? leaf.ToArray() : null);
    }

    public long CountAccounts()
    {
        var count = _trie.ToList().Count;
        _trie.ReleaseCache(CachedLevels);
        return count;
    }

    public byte[]? GetLeaf(Address address) => _trie.TryGet(address.ToArray(), out var encoded) ? encoded.ToArray() : null;

    public AccountState? ReadThroughTrie(Address address)
    {
        if (!_trie.TryGet(address.ToArray(), out var encoded))
        {
            return null;
        }
        return Decode(encoded);
    }

    /// <summary>
    /// rlp([nonce, balance, storage_root, code_hash]); an account without code has the hash of empty code, one without
    /// storage the empty trie's root.
    /// </summary>
    internal static ReadOnlySpan<byte> Encode(AccountState account, Span<byte> buffer)
    {
        var storageRoot = account.StorageRoot.IsZero ? MerklePatriciaTrie<THasher>.EmptyRoot.ToArray() : account.StorageRoot.ToArray();
        var codeHash = account.CodeHash.IsZero ? EmptyCodeHash : account.CodeHash.ToArray();
        var payload = RlpCodec.LengthOfUInt64(account.Nonce) + RlpCodec.LengthOfUInt256(account.Balance) +
            RlpCodec.LengthOfString(storageRoot) + RlpCodec.LengthOfString(codeHash);
        var writer = new RlpWriter(buffer);
        writer.WriteListHeader(payload);
        writer.WriteUInt64(account.Nonce);
        writer.WriteUInt256(account.Balance);
        writer.WriteString(storageRoot);
        writer.WriteString(codeHash);
        return buffer[..writer.Position];
    }

    internal static AccountState Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        if (!reader.TryReadList(out var fields) || !fields.TryReadUInt64(out var nonce) || !fields.TryReadUInt256(out var balance) ||
            !fields.TryReadString(out var storageRoot) || storageRoot.Length != Hash32.Size ||
            !fields.TryReadString(out var codeHash) || codeHash.Length != Hash32.Size)
        {
            throw new StoreException("an account leaf in the state trie does not decode");
        }
        var code = new Hash32(codeHash);
        var storage = new Hash32(storageRoot);
        return new AccountState(nonce, balance, code == new Hash32(EmptyCodeHash) ? Hash32.Zero : code,
            storage == MerklePatriciaTrie<THasher>.EmptyRoot ? Hash32.Zero : storage);
    }

    private static byte[] HashOfEmpty()
    {
        var hash = new byte[Hash32.Size];
        THasher.Hash([], hash);
        return hash;
    }

    private static byte[] Key(ReadOnlySpan<byte> nibblePath)
    {
        var key = new byte[nibblePath.Length + 1];
        WriteKey(nibblePath, key);
        return key;
    }

    private static void WriteKey(ReadOnlySpan<byte> nibblePath, Span<byte> key)
    {
        key[0] = AccountTriePrefix;
        nibblePath.CopyTo(key[1..]);
    }

    private sealed class NodeStore(RocksDb db, ColumnFamilyHandle family) : ITrieNodeStore
    {
        public ColumnFamilyHandle Family => family;

        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode)
        {
            encodedNode = db.Get(Key(nibblePath), family);
            return encodedNode is not null;
        }

        public void LoadMany(IReadOnlyList<byte[]> nibblePaths, byte[]?[] encodedNodes)
        {
            var keys = new byte[nibblePaths.Count][];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = Key(nibblePaths[i]);
            }
            ChainStore.MultiGet(db, family, keys).CopyTo(encodedNodes, 0);
        }
    }

    private sealed class Batch(WriteBatch batch, ColumnFamilyHandle family, HistoryRecorder? history) : ITrieNodeWriteBatch
    {
        // Keys are built on the stack: the write batch copies them, and a block writes tens of thousands.
        public void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode, byte[]? previous)
        {
            Span<byte> key = stackalloc byte[nibblePath.Length + 1];
            WriteKey(nibblePath, key);
            history?.Record(key, previous);
            batch.Put(key, encodedNode, family);
        }

        public void Delete(ReadOnlySpan<byte> nibblePath, byte[] previous)
        {
            Span<byte> key = stackalloc byte[nibblePath.Length + 1];
            WriteKey(nibblePath, key);
            history?.Record(key, previous);
            batch.Delete(key, family);
        }
    }

    /// <summary>
    /// Keeps, for every node a block changes, what the node was before: history key height ‖ node key, value
    /// 0x00 (no node) or 0x01 ‖ the old node. A reader at an older height takes the first such record above it.
    /// The old node comes from the trie (<see cref="ITrieNodeWriteBatch"/>), not from a read of the store.
    /// </summary>
    private sealed class HistoryRecorder(ColumnFamilyHandle history, ulong height, WriteBatch batch)
    {
        public void Record(ReadOnlySpan<byte> nodeKey, byte[]? previous) => StateCommitment.PutHistory(batch, history, height, nodeKey, previous);
    }

    /// <summary>The node store as it was after <paramref name="height"/>, rebuilt from the history of later blocks.</summary>
    private sealed class HistoricalNodeStore(RocksDb db, ColumnFamilyHandle family, ColumnFamilyHandle history, ulong height, ulong head,
        ReadOptions snapshot) : ITrieNodeStore
    {
        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode)
        {
            var nodeKey = Key(nibblePath);
            for (var later = height + 1; later <= head; later++)
            {
                var record = db.Get(StateCommitment.HistoryKey(later, nodeKey), history, snapshot);
                if (record is not null)
                {
                    encodedNode = record[0] == 0x01 ? record[1..] : null;
                    return encodedNode is not null;
                }
            }
            encodedNode = db.Get(nodeKey, family, snapshot);
            return encodedNode is not null;
        }
    }
}
