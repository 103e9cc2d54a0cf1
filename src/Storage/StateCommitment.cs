using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage.Engines;

namespace ShanghaiChain.Storage;

/// <summary>
/// The authenticated commitment to account state: a secure Merkle Patricia Trie keyed by suite_hash(address)
/// whose leaves are rlp([nonce, balance, storage_root, code_hash]) (docs/state.md). Reads never go through
/// it (they use the flat accounts family); it exists to compute the state root and proofs.
/// </summary>
internal interface IStateCommitment : IDisposable
{
    /// <summary>Root after the last applied diff.</summary>
    Hash32 Root { get; }

    /// <summary>
    /// Applies block <paramref name="height"/>'s account diff and returns the new root. Adds the block's journal record
    /// to <paramref name="batch"/> and, when a flush is due, the trie nodes changed since the last flush.
    /// </summary>
    /// <paramref name="committed"/>, when given, holds the flat state's accounts before the block for some of the
    /// changed addresses: the trie then takes their leaves without reading them (each checked against its hash).
    Hash32 Apply(ulong height, IReadOnlyList<KeyValuePair<Address, AccountState>> diff, IKeyValueWriteBatch batch,
        IReadOnlyDictionary<Address, AccountState>? committed = null);

    /// <summary>Writes the trie nodes changed since the last flush (at a clean shutdown, so that the next start replays nothing).</summary>
    void Flush(IKeyValueWriteBatch batch);

    /// <summary>The root after applying <paramref name="layers"/> in order, without writing anything.</summary>
    Hash32 ComputeRoot(IReadOnlyList<IReadOnlyList<KeyValuePair<Address, AccountState>>> layers);

    /// <summary>
    /// The account trie of the older height <paramref name="height"/> (whose recorded root is <paramref name="root"/>)
    /// when it is rebuilt already, held until the lease is disposed; null when it is not.
    /// </summary>
    IHistoricalState? TryLeaseHistorical(ulong height, Hash32 root);

    /// <summary>
    /// The account trie of <paramref name="height"/>, rebuilt from the flushed trie and the journal read on
    /// <paramref name="snapshot"/> (taken by the caller when it checked the height, so that later commits cannot prune
    /// what the rebuild needs), or the one already rebuilt. Takes ownership of the snapshot. Throws
    /// <see cref="TrieException"/> when the state of that height cannot be rebuilt; never one under another root.
    /// </summary>
    IHistoricalState LeaseHistorical(ulong height, Hash32 root, IKeyValueSnapshot snapshot);

    /// <summary>Rebuilds of older heights from the flushed trie, and moves of a rebuilt trie to a later height, so far.</summary>
    (long Rebuilds, long Advances) HistoricalWork { get; }

    /// <summary>The trie nodes proving an account's presence or absence at the current root.</summary>
    byte[][] GetProof(Address address);

    /// <summary>Reads an account back through the trie (for consistency checks), or null when absent.</summary>
    AccountState? ReadThroughTrie(Address address);

    /// <summary>The account's encoded leaf in the trie, or null when absent.</summary>
    byte[]? GetLeaf(Address address);

    /// <summary>Number of accounts in the trie (walks the whole trie: for full consistency checks only).</summary>
    long CountAccounts();

    /// <summary>
    /// Takes the trie back to <paramref name="target"/> by the journal's leaves before each block from the head down,
    /// checking every root against the recorded one, and adds its nodes (and the flushed height, the target) to
    /// <paramref name="batch"/>. Throws <see cref="StoreException"/>; the trie must not be used after a throw.
    /// </summary>
    void Revert(ulong target, IKeyValueWriteBatch batch);
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
    internal static void PutHistory(IKeyValueWriteBatch batch, KeyValueFamily history, ulong height, ReadOnlySpan<byte> nodeKey, byte[]? previous)
    {
        Span<byte> key = stackalloc byte[8 + nodeKey.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(key, height);
        nodeKey.CopyTo(key[8..]);
        var length = 1 + (previous?.Length ?? 0);
        var value = length <= 1024 ? stackalloc byte[length] : new byte[length];
        value[0] = previous is null ? (byte)0x00 : (byte)0x01;
        previous?.CopyTo(value[1..]);
        batch.Put(history, key, value);
    }

    public static AccountState DecodeLeaf(CryptoSuite suite, byte[] leaf) =>
        suite.Name == CryptoSuite.Sm2Sm3Name ? StateCommitment<Sm3Hasher>.Decode(leaf) : StateCommitment<Sha256Hasher>.Decode(leaf);

    public static IStateCommitment Open(CryptoSuite suite, StateFamilies families, ulong proofWindow, ulong? head) =>
        suite.Name == CryptoSuite.Sm2Sm3Name
            ? new StateCommitment<Sm3Hasher>(families, proofWindow, head)
            : new StateCommitment<Sha256Hasher>(families, proofWindow, head);

    /// <summary>
    /// A block's journal record: a u32 count, then per changed account its address (20 bytes), its leaf before the block
    /// and its leaf after it, each as a one-byte length (0: absent) and the RLP leaf (at most 110 bytes).
    /// </summary>
    internal static byte[] EncodeJournal(IReadOnlyList<KeyValuePair<byte[], byte[]>> updates, byte[]?[] previous)
    {
        var length = 4;
        for (var i = 0; i < updates.Count; i++)
        {
            length += Address.Size + 2 + (previous[i]?.Length ?? 0) + updates[i].Value.Length;
        }
        var record = new byte[length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(record, (uint)updates.Count);
        var at = 4;
        for (var i = 0; i < updates.Count; i++)
        {
            updates[i].Key.CopyTo(record, at);
            at += Address.Size;
            at = WriteLeaf(record, at, previous[i]);
            at = WriteLeaf(record, at, updates[i].Value);
        }
        return record;
    }

    private static int WriteLeaf(byte[] record, int at, byte[]? leaf)
    {
        var length = leaf?.Length ?? 0;
        if (length > byte.MaxValue)
        {
            throw new InvalidOperationException($"an account leaf of {length} bytes does not fit a journal record");
        }
        record[at] = (byte)length;
        leaf?.CopyTo(record, at + 1);
        return at + 1 + length;
    }

    /// <summary>
    /// The updates that replay a journal record: forward (each account to its leaf after the block) or backward (to its
    /// leaf before it); an empty value deletes. <paramref name="current"/> receives what each account holds before the
    /// replay step (the other side of the record, null for absent), a hint that spares the trie reading those leaves.
    /// False when the record is malformed.
    /// </summary>
    internal static bool TryDecodeJournal(byte[] record, bool forward, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KeyValuePair<byte[], byte[]>[]? updates,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]?[]? current)
    {
        updates = null;
        current = null;
        if (record.Length < 4)
        {
            return false;
        }
        var count = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(record);
        // Each entry takes at least 22 bytes, which bounds the count before anything is allocated.
        if (count > (record.Length - 4) / (Address.Size + 2))
        {
            return false;
        }
        var result = new KeyValuePair<byte[], byte[]>[count];
        var hints = new byte[]?[count];
        var at = 4;
        for (var i = 0; i < result.Length; i++)
        {
            if (at + Address.Size + 1 > record.Length)
            {
                return false;
            }
            var address = record.AsSpan(at, Address.Size).ToArray();
            at += Address.Size;
            if (!TryReadLeaf(record, ref at, out var before) || !TryReadLeaf(record, ref at, out var after))
            {
                return false;
            }
            result[i] = new(address, forward ? after : before);
            var held = forward ? before : after;
            hints[i] = held.Length == 0 ? null : held;
        }
        if (at != record.Length)
        {
            return false;
        }
        updates = result;
        current = hints;
        return true;
    }

    private static bool TryReadLeaf(byte[] record, ref int at, out byte[] leaf)
    {
        leaf = [];
        if (at >= record.Length || at + 1 + record[at] > record.Length)
        {
            return false;
        }
        leaf = record.AsSpan(at + 1, record[at]).ToArray();
        at += 1 + record[at];
        return true;
    }
}

/// <summary>A rebuilt account trie of an older height, usable until disposed (a lease on a shared, cached trie).</summary>
internal interface IHistoricalState : IDisposable
{
    /// <summary>The nodes proving the account's presence or absence, and its leaf (null: absent).</summary>
    (byte[][] Nodes, byte[]? Leaf) Prove(Address address);

    /// <summary>The account's leaf, or null when absent.</summary>
    byte[]? ReadLeaf(Address address);
}

/// <summary>The column families the account trie lives in and answers to.</summary>
internal sealed record StateFamilies(IKeyValueEngine Engine, KeyValueFamily Nodes, KeyValueFamily Journal, KeyValueFamily Metadata,
    KeyValueFamily StateRoots);

/// <summary>
/// The account trie, flushed to disk every few blocks rather than every block (docs/state.md §3). Each block's batch
/// carries its journal record (every changed account's leaf before and after the block) and its state root; the trie
/// nodes changed since the last flush stay in memory and go to disk in a later block's batch, with the height they are
/// at. Opening replays the journal from that height to the head and checks every replayed root against the block's
/// recorded root, so a crash between flushes loses nothing. Proofs at recent heights rebuild the trie of that height
/// from the flushed trie and the journal, on a snapshot.
/// </summary>
internal sealed partial class StateCommitment<THasher> : IStateCommitment where THasher : struct, IHasher
{
    /// <summary>Key prefix of the account trie's nodes in the trie family; storage tries get their own later.</summary>
    private const byte AccountTriePrefix = 0x00;

    // Committed nodes deeper than this stay on disk only, so memory does not grow with the number of accounts.
    private const int CachedLevels = 5;

    // A flush is due after this many blocks or account changes since the last one. Between flushes the changed nodes
    // stay in memory (a few hundred bytes per changed account) and a restart replays at most this much journal.
    internal const int FlushBlocks = 64;
    internal const int FlushChanges = 100_000;

    private static readonly byte[] EmptyCodeHash = HashOfEmpty();

    private readonly MerklePatriciaTrie<THasher> _trie;
    private readonly StateFamilies _families;
    private readonly ulong _proofWindow;
    private ulong? _flushedHeight;
    private ulong _height;
    private int _blocksSinceFlush;
    private long _changesSinceFlush;
    // Journal records below this height are deleted (or were never written).
    private ulong _journalFrom;

    /// <summary>
    /// Opens the account trie of a store whose head is <paramref name="head"/> (null: a new store, whose trie is empty
    /// until genesis is applied), replaying the journal from the last flush to the head.
    /// </summary>
    public StateCommitment(StateFamilies families, ulong proofWindow, ulong? head)
    {
        _families = families;
        _proofWindow = proofWindow;
        var store = new NodeStore(families.Engine, families.Nodes);
        if (head is not { } headHeight)
        {
            _trie = new MerklePatriciaTrie<THasher>(store, TrieKeyMode.Secure);
            Root = _trie.ComputeRoot();
            return;
        }
        var engine = families.Engine;
        if (engine.Get(families.Metadata, StoreKeys.StateTrieFlushed) is not { Length: 8 } flushedRaw)
        {
            throw new StoreException("the store has no record of the height its state trie was written at: it is corrupt");
        }
        var flushed = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(flushedRaw);
        if (flushed > headHeight)
        {
            throw new StoreException($"the state trie was written at height {flushed}, above the head {headHeight}: the store is corrupt");
        }
        try
        {
            _trie = new MerklePatriciaTrie<THasher>(store, TrieKeyMode.Secure, RootAt(flushed, engine));
        }
        catch (TrieException ex)
        {
            throw new StoreException($"the state trie does not match the state root of block {flushed}: {ex.Message}", ex);
        }
        for (var height = flushed + 1; height <= headHeight; height++)
        {
            _changesSinceFlush += StepJournal(height, forward: true);
        }
        _flushedHeight = flushed;
        _height = headHeight;
        _blocksSinceFlush = (int)Math.Min(headHeight - flushed, int.MaxValue);
        Root = _trie.ComputeRoot();
    }

    public Hash32 Root { get; private set; }

    public Hash32 Apply(ulong height, IReadOnlyList<KeyValuePair<Address, AccountState>> diff, IKeyValueWriteBatch batch,
        IReadOnlyDictionary<Address, AccountState>? committed = null)
    {
        // One batched update: the trie hashes the keys once and loads the nodes on all their paths in a few batched reads.
        Span<byte> value = stackalloc byte[128];
        var updates = new KeyValuePair<byte[], byte[]>[diff.Count];
        var hints = committed is null ? null : new byte[]?[diff.Count];
        for (var i = 0; i < updates.Length; i++)
        {
            var (address, account) = diff[i];
            updates[i] = new(address.ToArray(), account.IsEmpty ? [] : Encode(account, value).ToArray());
            if (hints is not null && committed!.TryGetValue(address, out var before) && !before.IsEmpty)
            {
                hints[i] = Encode(before, value).ToArray();
            }
        }
        var previous = new byte[]?[updates.Length];
        _trie.Update(updates, previous, hints);
        Root = _trie.ComputeRoot();
        batch.Put(_families.Journal, StoreKeys.Height(height), StateCommitment.EncodeJournal(updates, previous));
        _height = height;
        _blocksSinceFlush++;
        _changesSinceFlush += updates.Length;
        if (_flushedHeight is null || _blocksSinceFlush >= FlushBlocks || _changesSinceFlush >= FlushChanges)
        {
            WriteTrie(batch);
        }
        PruneJournal(batch);
        // Flushed nodes that proofs, reads and this block loaded leave memory every block; unflushed ones stay.
        _trie.ReleaseCache(CachedLevels);
        EvictHistoricalBelow(_height - Math.Min(_proofWindow, _height));
        return Root;
    }

    /// <summary>
    /// Moves the in-memory trie by block <paramref name="height"/>'s journal record, forward (to its state after the
    /// block: opening replays the journal above the flush) or backward (to its state before: a rollback), and checks the
    /// root against the one the store recorded. Returns the number of accounts changed; throws
    /// <see cref="StoreException"/> on a missing or malformed record or a root that differs.
    /// </summary>
    private int StepJournal(ulong height, bool forward)
    {
        var engine = _families.Engine;
        var record = engine.Get(_families.Journal, StoreKeys.Height(height));
        if (record is null || !StateCommitment.TryDecodeJournal(record, forward, out var updates, out var current))
        {
            throw new StoreException($"the state journal of block {height} is {(record is null ? "missing" : "malformed")}: " +
                (forward ? "the store is corrupt" : "it cannot be undone"));
        }
        var step = forward ? "replaying the state journal of" : "undoing";
        try
        {
            _trie.Update(updates, null, current);
        }
        catch (TrieException ex)
        {
            throw new StoreException($"{step} block {height}: {ex.Message}", ex);
        }
        var expected = forward ? height : height - 1;
        var root = _trie.ComputeRoot();
        if (root != RootAt(expected, engine))
        {
            throw new StoreException($"{step} block {height} gives root {root}, block {expected} recorded {RootAt(expected, engine)}: the store is corrupt");
        }
        return updates.Length;
    }

    public void Revert(ulong target, IKeyValueWriteBatch batch)
    {
        for (var height = _height; height > target; height--)
        {
            StepJournal(height, forward: false);
        }
        Root = _trie.ComputeRoot();
        _height = target;
        WriteTrie(batch);
    }

    public void Flush(IKeyValueWriteBatch batch)
    {
        if (_blocksSinceFlush > 0)
        {
            WriteTrie(batch);
            PruneJournal(batch);
        }
    }

    private void WriteTrie(IKeyValueWriteBatch batch)
    {
        _trie.Commit(new Batch(batch, _families.Nodes));
        batch.Put(_families.Metadata, StoreKeys.StateTrieFlushed, StoreKeys.Height(_height));
        _flushedHeight = _height;
        _blocksSinceFlush = 0;
        _changesSinceFlush = 0;
    }

    // A journal record is needed while its block is above the flushed trie (a restart replays it) or within the proof
    // window (a proof at an older height replays it backwards); the rest goes, in one range tombstone when that grows.
    private void PruneJournal(IKeyValueWriteBatch batch)
    {
        var windowStart = _height - Math.Min(_proofWindow, _height);
        var keepFrom = Math.Min(_flushedHeight ?? 0, windowStart) + 1;
        if (keepFrom > _journalFrom)
        {
            batch.DeleteRange(_families.Journal, StoreKeys.Height(_journalFrom), StoreKeys.Height(keepFrom));
            _journalFrom = keepFrom;
        }
    }

    public Hash32 ComputeRoot(IReadOnlyList<IReadOnlyList<KeyValuePair<Address, AccountState>>> layers)
    {
        // A throw-away trie that reads the current trie's nodes through it (the disk holds those of the last flush);
        // the live trie is left unchanged.
        var trie = new MerklePatriciaTrie<THasher>(new LiveNodeStore(_trie), TrieKeyMode.Secure);
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

    private Hash32 RootAt(ulong height, IKeyValueReader reader)
    {
        var root = reader.Get(_families.StateRoots, StoreKeys.Height(height));
        return root is { Length: Hash32.Size } ? new Hash32(root) : throw new StoreException($"no state root recorded for block {height}: the store is corrupt");
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

    /// <summary>The flushed trie's nodes, read live or on a snapshot.</summary>
    private sealed class NodeStore(IKeyValueReader reader, KeyValueFamily family) : ITrieNodeStore
    {
        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode)
        {
            encodedNode = reader.Get(family, Key(nibblePath));
            return encodedNode is not null;
        }

        public void LoadMany(IReadOnlyList<byte[]> nibblePaths, byte[]?[] encodedNodes)
        {
            var keys = new byte[nibblePaths.Count][];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = Key(nibblePaths[i]);
            }
            reader.MultiGet(family, keys, encodedNodes);
        }
    }

    /// <summary>The current trie's nodes, as the next flush would store them, read through the live trie.</summary>
    private sealed class LiveNodeStore(MerklePatriciaTrie<THasher> live) : ITrieNodeStore
    {
        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode) =>
            live.TryGetNode(nibblePath, out encodedNode);
    }

    private sealed class Batch(IKeyValueWriteBatch batch, KeyValueFamily family) : ITrieNodeWriteBatch
    {
        // Keys are built on the stack: the write batch copies them, and a flush writes tens of thousands. The replaced
        // nodes are not needed: older heights are rebuilt from the journal.
        public void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode, byte[]? previous)
        {
            Span<byte> key = stackalloc byte[nibblePath.Length + 1];
            WriteKey(nibblePath, key);
            batch.Put(family, key, encodedNode);
        }

        public void Delete(ReadOnlySpan<byte> nibblePath, byte[] previous)
        {
            Span<byte> key = stackalloc byte[nibblePath.Length + 1];
            WriteKey(nibblePath, key);
            batch.Delete(family, key);
        }
    }
}
