using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Trie;

/// <summary>
/// A hexary Merkle Patricia Trie (yellow paper appendix D) over a path-keyed node store, with the hash function as a
/// type parameter. Updates change the in-memory nodes and mark their paths; <see cref="ComputeRoot"/> rehashes only
/// the marked paths (the subtries under the root in parallel for large batches) and <see cref="Commit"/> also writes
/// the changed nodes and deletes the stale ones. An instance is not thread-safe.
/// </summary>
public sealed partial class MerklePatriciaTrie<THasher> where THasher : struct, IHasher
{
    /// <summary>Longest plain key, so that every node path fits the store's path keys.</summary>
    public const int MaxKeyLength = 127;

    // Below this many updates since the last hashing, parallel hashing costs more than it saves.
    private const int ParallelHashThreshold = 1024;

    private readonly ITrieNodeStore _store;
    // Paths whose stored node left the trie or moved, with that node (what the store holds there until the commit).
    private readonly Dictionary<byte[], byte[]> _pendingDeletes = new(ByteArrayComparer.Instance);
    private TrieNode? _root;
    private int _updatesSinceHash;

    // Set by Insert when the key already held the value, so that nothing above it is marked changed.
    private bool _unchanged;

    // The value a key held before the current Insert or Remove changed it (null: the key was absent).
    private byte[]? _replaced;

    // Commits so far; a commit stamps the nodes it visits, so ReleaseCache walks only those.
    private int _commits;

    // The commit count at the last ReleaseCache walk, and the levels that walk kept.
    private int _releasedAfterCommit = -1;
    private int _releasedLevels;

    // True while an update changes the tree: nodes it loads end up on changed paths, which the commit visits.
    private bool _updating;

    // Nodes were loaded that the next commit may not visit (reads, proofs, updates that changed nothing), so the next
    // ReleaseCache walks everything in memory.
    private bool _strayLoads;

    /// <summary>Opens the trie whose root is in <paramref name="store"/> (an empty trie when the store has none).</summary>
    public MerklePatriciaTrie(ITrieNodeStore store, TrieKeyMode mode)
    {
        _store = store;
        Mode = mode;
        if (store.TryLoad([], out var encoded))
        {
            _root = DecodeStored(encoded, [], HashOf(encoded));
        }
    }

    /// <summary>Opens the trie in <paramref name="store"/> and checks that its root is <paramref name="expectedRoot"/>.</summary>
    public MerklePatriciaTrie(ITrieNodeStore store, TrieKeyMode mode, Hash32 expectedRoot)
        : this(store, mode)
    {
        var actual = ComputeRoot();
        if (actual != expectedRoot)
        {
            throw new TrieException($"the stored trie has root {actual}, expected {expectedRoot}");
        }
    }

    /// <summary>The root of a throw-away trie holding <paramref name="entries"/> (later duplicates win).</summary>
    public static Hash32 RootOf(IEnumerable<KeyValuePair<byte[], byte[]>> entries, TrieKeyMode mode)
    {
        var trie = new MerklePatriciaTrie<THasher>(new InMemoryTrieNodeStore(), mode);
        foreach (var (key, value) in entries)
        {
            trie.Set(key, value);
        }
        return trie.ComputeRoot();
    }

    /// <summary>
    /// The root of a list as Ethereum builds transaction and receipt roots: a plain trie from rlp(index) to each item.
    /// </summary>
    public static Hash32 RootOfList(IReadOnlyList<byte[]> items)
    {
        var trie = new MerklePatriciaTrie<THasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Plain);
        Span<byte> key = stackalloc byte[9];
        for (var i = 0; i < items.Count; i++)
        {
            var writer = new Rlp.RlpWriter(key);
            writer.WriteUInt64((ulong)i);
            trie.Set(writer.Written, items[i]);
        }
        return trie.ComputeRoot();
    }

    /// <summary>The root of the empty trie: the hash of the empty string's encoding (0x80).</summary>
    public static Hash32 EmptyRoot { get; } = HashOf([0x80]);

    public TrieKeyMode Mode { get; }

    /// <summary>
    /// Whether large batches use several threads (hashing the subtries under the root, hashing keys and checking loaded
    /// nodes in <see cref="Update"/>). The result is the same either way. On a machine whose cores are all busy, a
    /// fork-join waits for descheduled workers and is slower than one thread (docs/state.md §6), so callers that
    /// know they share the machine may turn it off.
    /// </summary>
    public bool Parallelism { get; set; } = true;

    public bool IsEmpty => _root is null;

    /// <summary>Looks a key up by walking the trie (state reads in the node go to the flat store instead).</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles];
        return TryGetAt(ToPath(key, path), out value);
    }

    private bool TryGetAt(scoped ReadOnlySpan<byte> path, out ReadOnlySpan<byte> value)
    {
        var depth = 0;
        ref var slot = ref _root;
        while (true)
        {
            var node = Resolve(ref slot, path[..depth]);
            switch (node)
            {
                case null:
                    value = default;
                    return false;
                case LeafNode leaf:
                    if (path[depth..].SequenceEqual(leaf.Path))
                    {
                        value = leaf.Value;
                        return true;
                    }
                    value = default;
                    return false;
                case ExtensionNode extension:
                    if (!path[depth..].StartsWith(extension.Path))
                    {
                        value = default;
                        return false;
                    }
                    depth += extension.Path.Length;
                    slot = ref extension.Child!;
                    break;
                case BranchNode branch:
                    if (depth == path.Length)
                    {
                        value = branch.Value;
                        return branch.Value is not null;
                    }
                    slot = ref branch.Children[path[depth]];
                    depth++;
                    break;
            }
        }
    }

    /// <summary>Sets a key's value; an empty value deletes the key, as in Ethereum.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Delete(key);
            return;
        }
        Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles];
        SetAt(ToPath(key, path), value);
    }

    private void SetAt(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value)
    {
        _unchanged = false;
        _replaced = null;
        _updating = true;
        try
        {
            _root = Insert(_root, path, 0, value);
        }
        finally
        {
            _updating = false;
        }
        if (_unchanged)
        {
            _strayLoads = true;
        }
        else
        {
            _updatesSinceHash++;
        }
    }

    /// <summary>Removes a key; returns false when it was absent (and then nothing changes).</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles];
        return DeleteAt(ToPath(key, path));
    }

    private bool DeleteAt(ReadOnlySpan<byte> path)
    {
        if (!TryGetAt(path, out var current))
        {
            _replaced = null;
            _strayLoads = true;
            return false;
        }
        _replaced = current.ToArray();
        _updating = true;
        try
        {
            _root = Remove(_root!, path, 0);
        }
        finally
        {
            _updating = false;
        }
        _updatesSinceHash++;
        return true;
    }

    /// <summary>Computes the root hash, re-encoding and rehashing only the nodes changed since the last computation.</summary>
    public Hash32 ComputeRoot()
    {
        if (_root is null)
        {
            _updatesSinceHash = 0;
            return EmptyRoot;
        }
        if (_root.Encoded is null)
        {
            if (Parallelism && _updatesSinceHash >= ParallelHashThreshold)
            {
                EncodeParallel(_root);
            }
            else
            {
                Encode(_root);
            }
        }
        _updatesSinceHash = 0;
        return _root.IsHashReferenced ? _root.Hash : HashOf(_root.Encoded!);
    }

    /// <summary>
    /// The encoding of the node the trie holds at <paramref name="nibblePath"/>, as a commit would store it there: a node
    /// referenced by hash (or the root), loaded from the store when it is not in memory. False when no stored node sits
    /// at that path (none, or one embedded in its parent). Hashes pending changes first. Lets a throw-away trie read
    /// the current state through this one while the store still holds the nodes of the last commit.
    /// </summary>
    public bool TryGetNode(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encoded)
    {
        ComputeRoot();
        encoded = null;
        var depth = 0;
        ref var slot = ref _root;
        while (true)
        {
            var node = Resolve(ref slot, nibblePath[..depth]);
            if (node is null)
            {
                return false;
            }
            if (depth == nibblePath.Length)
            {
                if (depth > 0 && !node.IsHashReferenced)
                {
                    return false;
                }
                // A copy: the trie reuses the arrays of its changed nodes' old encodings.
                encoded = node.Encoded!.ToArray();
                return true;
            }
            switch (node)
            {
                case ExtensionNode extension when nibblePath[depth..].StartsWith(extension.Path):
                    depth += extension.Path.Length;
                    slot = ref extension.Child!;
                    break;
                case BranchNode branch:
                    slot = ref branch.Children[nibblePath[depth]];
                    depth++;
                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// Computes the root and adds to <paramref name="batch"/> every node changed since the last commit and a delete for
    /// every path whose stored node disappeared or became embedded. The store is expected to hold the batch's nodes before
    /// the trie loads any of them, that is before the next <see cref="ReleaseCache"/> (which lets committed nodes go);
    /// until then the trie keeps them in memory and loads only nodes the batch does not touch.
    /// </summary>
    public Hash32 Commit(ITrieNodeWriteBatch batch)
    {
        var root = ComputeRoot();
        _commits++;
        if (_root is not null)
        {
            Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles + 1];
            WriteChanged(_root, path, 0, isRoot: true, batch);
        }
        foreach (var (stale, previous) in _pendingDeletes)
        {
            batch.Delete(stale, previous);
        }
        _pendingDeletes.Clear();
        return root;
    }

    /// <summary>Walks made by <see cref="ReleaseCache"/> so far (for tests).</summary>
    internal int ReleaseWalks { get; private set; }

    /// <summary>
    /// Drops committed nodes deeper than <paramref name="keepLevels"/> node levels from memory; they are loaded again
    /// from the store when a later update or proof walks through them. Uncommitted changes are kept.
    /// </summary>
    public void ReleaseCache(int keepLevels)
    {
        if (_root is null)
        {
            _strayLoads = false;
            return;
        }
        // Everything in memory is walked after stray loads, when a commit before the last one was never walked (its
        // nodes hang under nodes the last commit did not visit), and when fewer levels are kept than at the last walk
        // (which left the nodes of earlier commits at the levels this one drops). Otherwise only what the last commit
        // visited is walked, once: a later walk would find only nodes changed since, not releasable before the next one.
        var everything = _strayLoads || _releasedAfterCommit < _commits - 1 || keepLevels < _releasedLevels;
        if (everything || (_root.CommittedIn == _commits && _releasedAfterCommit != _commits))
        {
            Release(_root, 1, keepLevels, everything);
            ReleaseWalks++;
            _releasedAfterCommit = _commits;
            _releasedLevels = keepLevels;
        }
        _strayLoads = false;
    }

    /// <summary>
    /// The nodes from the root down the key's path: each node referenced by hash, in order, which proves the key's value
    /// or its absence (verify with <see cref="TrieProof"/>). Computes the root first if there are unhashed changes.
    /// </summary>
    public byte[][] GetProof(ReadOnlySpan<byte> key)
    {
        ComputeRoot();
        if (_root is null)
        {
            return [[0x80]];
        }
        Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles];
        path = ToPath(key, path);
        // Copies: the trie reuses the arrays of its changed nodes' old encodings.
        var proof = new List<byte[]>(8) { _root.Encoded!.ToArray() };
        var node = _root;
        var depth = 0;
        while (true)
        {
            ref var slot = ref _root;
            switch (node)
            {
                case ExtensionNode extension when path[depth..].StartsWith(extension.Path):
                    depth += extension.Path.Length;
                    slot = ref extension.Child!;
                    break;
                case BranchNode branch when depth < path.Length && branch.Children[path[depth]] is not null:
                    slot = ref branch.Children[path[depth]];
                    depth++;
                    break;
                default:
                    return [.. proof];
            }
            node = Resolve(ref slot, path[..depth])!;
            if (node.IsHashReferenced)
            {
                proof.Add(node.Encoded!.ToArray());
            }
        }
    }

    /// <summary>
    /// Every (key, value) pair in key order, loading the whole trie. In secure mode the keys are the hashed keys.
    /// Meant for tests, exports and audits, not for hot paths.
    /// </summary>
    public List<KeyValuePair<byte[], byte[]>> ToList()
    {
        var result = new List<KeyValuePair<byte[], byte[]>>();
        var path = new byte[TrieNodeCodec.MaxNibbles + 1];
        Collect(ref _root, path, 0, result);
        return result;
    }

    private void Collect(ref TrieNode? slot, byte[] path, int depth, List<KeyValuePair<byte[], byte[]>> result)
    {
        var node = Resolve(ref slot, path.AsSpan(0, depth));
        switch (node)
        {
            case LeafNode leaf:
                leaf.Path.CopyTo(path, depth);
                result.Add(new(Nibbles.ToBytes(path.AsSpan(0, depth + leaf.Path.Length)), leaf.Value));
                break;
            case ExtensionNode extension:
                extension.Path.CopyTo(path, depth);
                Collect(ref extension.Child!, path, depth + extension.Path.Length, result);
                break;
            case BranchNode branch:
                if (branch.Value is not null)
                {
                    result.Add(new(Nibbles.ToBytes(path.AsSpan(0, depth)), branch.Value));
                }
                for (var i = 0; i < 16; i++)
                {
                    path[depth] = (byte)i;
                    Collect(ref branch.Children[i], path, depth + 1, result);
                }
                break;
        }
    }

    private Span<byte> ToPath(ReadOnlySpan<byte> key, Span<byte> buffer)
    {
        if (Mode == TrieKeyMode.Secure)
        {
            Span<byte> hash = stackalloc byte[Hash32.Size];
            THasher.Hash(key, hash);
            Nibbles.FromBytes(hash, buffer);
            return buffer[..(2 * Hash32.Size)];
        }
        if (key.Length > MaxKeyLength)
        {
            ThrowHelper.ThrowArgument($"a plain trie key has at most {MaxKeyLength} bytes, got {key.Length}");
        }
        Nibbles.FromBytes(key, buffer);
        return buffer[..(2 * key.Length)];
    }

    internal static Hash32 HashOf(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Hash32.Size];
        THasher.Hash(data, hash);
        return new Hash32(hash);
    }
}
