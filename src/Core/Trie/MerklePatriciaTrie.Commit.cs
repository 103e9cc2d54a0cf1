using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Trie;

// Hashing and persistence of the changed paths.
public sealed partial class MerklePatriciaTrie<THasher> where THasher : struct, IHasher
{
    // Post-order: children first, so a parent can embed or reference them. Clean subtries are skipped whole.
    private static void Encode(TrieNode node)
    {
        if (node.Encoded is not null || node is HashNode)
        {
            return;
        }
        switch (node)
        {
            case ExtensionNode extension:
                Encode(extension.Child);
                break;
            case BranchNode branch:
                foreach (var child in branch.Children)
                {
                    if (child is not null)
                    {
                        Encode(child);
                    }
                }
                break;
        }
        Seal(node);
    }

    private static void Seal(TrieNode node)
    {
        var encoded = TrieNodeCodec.Encode(node, node.Spare);
        node.Spare = null;
        if (encoded.Length >= Hash32.Size)
        {
            node.Hash = HashOf(encoded);
        }
        node.Encoded = encoded;
    }

    // The sixteen subtries below the top branch share nothing, so they are hashed on all cores.
    private static void EncodeParallel(TrieNode root)
    {
        var top = root is ExtensionNode { Child: BranchNode below } ? below : root as BranchNode;
        if (top is null || top.Encoded is not null)
        {
            Encode(root);
            return;
        }
        Parallel.For(0, 16, i =>
        {
            if (top.Children[i] is { } child)
            {
                Encode(child);
            }
        });
        Encode(root);
    }

    private void WriteChanged(TrieNode node, Span<byte> path, int depth, bool isRoot, ITrieNodeWriteBatch batch)
    {
        if (!node.Dirty)
        {
            return;
        }
        node.Dirty = false;
        node.CommittedIn = _commits;
        var nodePath = path[..depth];
        if (isRoot || node.IsHashReferenced)
        {
            // A new node may take the path of one that left; then it replaces that one instead of a delete.
            byte[]? previous = null;
            if (node.Persisted)
            {
                // Dirty, so touched, so its stored encoding was kept.
                previous = node.Stored ?? throw new InvalidOperationException("a changed persisted node lost its stored encoding");
            }
            else if (_pendingDeletes.Count > 0)
            {
                _pendingDeletes.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(nodePath, out _, out previous);
            }
            batch.Put(nodePath, node.Encoded!, previous);
            node.Persisted = true;
        }
        else if (node.Persisted)
        {
            // It shrank below 32 bytes and now lives inside its parent.
            batch.Delete(nodePath, node.Stored ?? throw new InvalidOperationException("a changed persisted node lost its stored encoding"));
            node.Persisted = false;
        }
        node.Stored = null;
        switch (node)
        {
            case ExtensionNode extension:
                extension.Path.CopyTo(path[depth..]);
                WriteChanged(extension.Child, path, depth + extension.Path.Length, isRoot: false, batch);
                break;
            case BranchNode branch:
                for (var i = 0; i < 16; i++)
                {
                    if (branch.Children[i] is { } child)
                    {
                        path[depth] = (byte)i;
                        WriteChanged(child, path, depth + 1, isRoot: false, batch);
                    }
                }
                break;
        }
    }

    // Without stray loads, and when every commit before the last one was walked, every node in memory below the kept
    // levels hangs under a node the last commit visited (loads during updates lie on changed paths), so only those are
    // walked.
    private void Release(TrieNode node, int level, int keepLevels, bool everything)
    {
        switch (node)
        {
            case ExtensionNode extension:
                if (Releasable(extension.Child, level, keepLevels))
                {
                    extension.Child = new HashNode(extension.Child.Hash);
                }
                else if (everything || extension.Child.CommittedIn == _commits)
                {
                    Release(extension.Child, level + 1, keepLevels, everything);
                }
                break;
            case BranchNode branch:
                for (var i = 0; i < 16; i++)
                {
                    if (branch.Children[i] is not { } child)
                    {
                        continue;
                    }
                    if (Releasable(child, level, keepLevels))
                    {
                        branch.Children[i] = new HashNode(child.Hash);
                    }
                    else if (everything || child.CommittedIn == _commits)
                    {
                        Release(child, level + 1, keepLevels, everything);
                    }
                }
                break;
        }
    }

    /// <summary>Nodes in memory at <paramref name="fromLevel"/> or deeper that ReleaseCache(fromLevel) would drop (for tests).</summary>
    internal int CountReleasable(int fromLevel) => _root is null ? 0 : CountReleasable(_root, 1, fromLevel);

    private static int CountReleasable(TrieNode node, int level, int fromLevel)
    {
        var count = 0;
        foreach (var child in node switch { ExtensionNode e => [e.Child], BranchNode b => b.Children, _ => [] })
        {
            if (child is null or HashNode)
            {
                continue;
            }
            count += (Releasable(child, level, fromLevel) ? 1 : 0) + CountReleasable(child, level + 1, fromLevel);
        }
        return count;
    }

    private static bool Releasable(TrieNode child, int level, int keepLevels) =>
        level >= keepLevels && child is not HashNode && !child.Dirty && child.Persisted && child.Encoded is not null && child.IsHashReferenced;
}
