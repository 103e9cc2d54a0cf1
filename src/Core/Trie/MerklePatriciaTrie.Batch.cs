using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Trie;

// Block-sized updates: keys hashed once, sorted by path, and the stored nodes on all their paths loaded before any
// change, one level at a time with one batched store read per level, hashed and decoded on all cores.
public sealed partial class MerklePatriciaTrie<THasher> where THasher : struct, IHasher
{
    // Below this many keys or nodes, handing work to other threads costs more than it saves.
    private const int ParallelBatchThreshold = 256;

    // The slot index that names an extension's child (branch slots are 0..15).
    private const int ExtensionSlot = 16;

    /// <summary>
    /// Applies <paramref name="updates"/> with the same result as calling <see cref="Set"/> for each in order (an empty
    /// value deletes; of two updates of one key the later wins), but faster for many keys: keys are hashed once,
    /// the nodes on their paths are loaded level by level through <see cref="ITrieNodeStore.LoadMany"/>, checked
    /// against their hashes on all cores, and the updates are applied in path order. When
    /// <paramref name="previousValues"/> is given (as long as <paramref name="updates"/>), each update's slot receives
    /// the value its key held just before that update (null: absent), which the walk has in hand anyway.
    /// <paramref name="currentValues"/> (optional, as long as <paramref name="updates"/>) are values the caller believes
    /// the keys hold now, from a flat copy of the state: where a key's walk meets a stored node, the leaf that key would
    /// form there with that value is hashed, and when the hash matches, that leaf is taken without reading the store.
    /// A wrong or missing hint only costs the read.
    /// </summary>
    public void Update(IReadOnlyList<KeyValuePair<byte[], byte[]>> updates, byte[]?[]? previousValues = null,
        IReadOnlyList<byte[]?>? currentValues = null)
    {
        if (previousValues is not null && previousValues.Length != updates.Count)
        {
            ThrowHelper.ThrowArgument($"{previousValues.Length} slots for the previous values of {updates.Count} updates");
        }
        var count = updates.Count;
        if (count == 0)
        {
            return;
        }
        var paths = new byte[count][];
        if (Parallelism && Mode == TrieKeyMode.Secure && count >= ParallelBatchThreshold)
        {
            Parallel.For(0, count, i => paths[i] = PathOf(updates[i].Key));
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                paths[i] = PathOf(updates[i].Key);
            }
        }
        // Path order groups keys that share nodes; the index breaks ties so that the later update of a key wins.
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Array.Sort(order, (a, b) =>
        {
            var byPath = paths[a].AsSpan().SequenceCompareTo(paths[b]);
            return byPath != 0 ? byPath : a.CompareTo(b);
        });
        LoadPaths(paths, order, currentValues);
        foreach (var i in order)
        {
            var value = updates[i].Value;
            if (value is null || value.Length == 0)
            {
                DeleteAt(paths[i]);
            }
            else
            {
                SetAt(paths[i], value);
            }
            if (previousValues is not null)
            {
                previousValues[i] = _replaced;
            }
        }
    }

    private byte[] PathOf(byte[] key)
    {
        Span<byte> buffer = stackalloc byte[TrieNodeCodec.MaxNibbles];
        return ToPath(key, buffer).ToArray();
    }

    private readonly record struct Unloaded(TrieNode? Parent, int Slot, byte[] Path, int Depth, Hash32 Hash);

    // Every stored node that an update of one of the paths would resolve is in memory afterwards. Nothing changes
    // shape here: loaded nodes replace their hash references exactly as Resolve would.
    private void LoadPaths(byte[][] paths, int[] order, IReadOnlyList<byte[]?>? hints)
    {
        if (hints is not null && hints.Count != paths.Length)
        {
            ThrowHelper.ThrowArgument($"{hints.Count} current values for {paths.Length} updates");
        }
        // Each path's walk resumes where the last round stopped: at the node it attached there (null: at the root).
        // A path whose walk met no hash reference is done.
        var resumeNode = new TrieNode?[paths.Length];
        var resumeDepth = new int[paths.Length];
        var done = new bool[paths.Length];
        var frontierOf = new int[paths.Length];
        var frontier = new List<Unloaded>(paths.Length);
        // Per frontier slot, the leaf a hint proved to be stored there (no read needed).
        var hinted = new List<LeafNode?>(paths.Length);
        while (true)
        {
            frontier.Clear();
            hinted.Clear();
            foreach (var i in order)
            {
                frontierOf[i] = -1;
                if (done[i])
                {
                    continue;
                }
                if (FindUnloaded(paths[i], resumeNode[i] ?? _root, resumeDepth[i]) is not { } next)
                {
                    done[i] = true;
                    continue;
                }
                if (frontier.Count == 0 || frontier[^1].Parent != next.Parent || frontier[^1].Slot != next.Slot)
                {
                    frontier.Add(next);
                    hinted.Add(null);
                }
                frontierOf[i] = frontier.Count - 1;
                // Any of the paths through a slot may know the leaf stored there.
                if (hinted[^1] is null && hints?[i] is { } hint)
                {
                    hinted[^1] = HintedLeaf(next, hint);
                }
            }
            if (frontier.Count == 0)
            {
                return;
            }
            // Only the slots no hint resolved are read, in one batch; toLoad maps each read back to its slot.
            var toLoad = new List<int>(frontier.Count);
            for (var i = 0; i < frontier.Count; i++)
            {
                if (hinted[i] is null)
                {
                    toLoad.Add(i);
                }
            }
            var storePaths = new byte[toLoad.Count][];
            for (var j = 0; j < storePaths.Length; j++)
            {
                storePaths[j] = frontier[toLoad[j]].Path[..frontier[toLoad[j]].Depth];
            }
            var encoded = new byte[]?[storePaths.Length];
            if (storePaths.Length > 0)
            {
                _store.LoadMany(storePaths, encoded);
            }
            var nodes = new TrieNode?[frontier.Count];
            for (var i = 0; i < nodes.Length; i++)
            {
                nodes[i] = hinted[i];
            }
            if (Parallelism && storePaths.Length >= ParallelBatchThreshold)
            {
                Parallel.For(0, storePaths.Length, j => nodes[toLoad[j]] = TryDecodeLoaded(encoded[j], frontier[toLoad[j]].Hash));
            }
            else
            {
                for (var j = 0; j < storePaths.Length; j++)
                {
                    nodes[toLoad[j]] = TryDecodeLoaded(encoded[j], frontier[toLoad[j]].Hash);
                }
            }
            for (var j = 0; j < storePaths.Length; j++)
            {
                if (nodes[toLoad[j]] is null)
                {
                    // Nodes attached so far would not be on a committed path.
                    _strayLoads = true;
                    throw LoadFailure(encoded[j], storePaths[j], frontier[toLoad[j]].Hash);
                }
            }
            for (var i = 0; i < nodes.Length; i++)
            {
                Attach(frontier[i], nodes[i]!);
            }
            foreach (var i in order)
            {
                if (frontierOf[i] is var k and >= 0)
                {
                    resumeNode[i] = nodes[k];
                    resumeDepth[i] = frontier[k].Depth;
                }
            }
        }
    }

    private void Attach(Unloaded slot, TrieNode node)
    {
        switch (slot.Parent)
        {
            case null:
                _root = node;
                break;
            case BranchNode branch:
                branch.Children[slot.Slot] = node;
                break;
            case ExtensionNode extension:
                extension.Child = node;
                break;
        }
    }

    // The leaf the path would form at the unloaded slot with the hinted value, when it is the node stored there.
    private static LeafNode? HintedLeaf(Unloaded slot, byte[] value)
    {
        var leaf = new LeafNode(slot.Path[slot.Depth..], value);
        var encoded = TrieNodeCodec.Encode(leaf);
        if (encoded.Length < Hash32.Size || HashOf(encoded) != slot.Hash)
        {
            return null;
        }
        leaf.Encoded = encoded;
        leaf.Hash = slot.Hash;
        leaf.Persisted = true;
        return leaf;
    }

    // Walks the in-memory nodes along the path from a node on it at a depth and returns the first hash reference, if any.
    private static Unloaded? FindUnloaded(byte[] path, TrieNode? node, int depth)
    {
        TrieNode? parent = null;
        var slot = -1;
        while (true)
        {
            switch (node)
            {
                case HashNode reference:
                    return new Unloaded(parent, slot, path, depth, reference.Hash);
                case ExtensionNode extension when path.AsSpan(depth).StartsWith(extension.Path):
                    parent = extension;
                    slot = ExtensionSlot;
                    depth += extension.Path.Length;
                    node = extension.Child;
                    break;
                case BranchNode branch when depth < path.Length:
                    parent = branch;
                    slot = path[depth];
                    depth++;
                    node = branch.Children[slot];
                    break;
                default:
                    return null;
            }
        }
    }

    // Runs on worker threads: pure (hash and decode), so a failure is reported by the caller on its own thread.
    private static TrieNode? TryDecodeLoaded(byte[]? encoded, Hash32 expected)
    {
        if (encoded is null || HashOf(encoded) != expected || !TrieNodeCodec.TryDecode(encoded, encoded, out var node))
        {
            return null;
        }
        node.Hash = expected;
        node.Persisted = true;
        return node;
    }

    private static TrieException LoadFailure(byte[]? encoded, ReadOnlySpan<byte> path, Hash32 expected)
    {
        if (encoded is null)
        {
            return new TrieException($"trie node {expected} missing at path {Hex.Encode(path)}");
        }
        var actual = HashOf(encoded);
        return actual != expected
            ? new TrieException($"trie node at path {Hex.Encode(path)} has hash {actual}, expected {expected}")
            : new TrieException($"undecodable trie node at path {Hex.Encode(path)}");
    }
}
