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
        var encoded = TrieNodeCodec.Encode(node);
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
        var nodePath = path[..depth];
        if (isRoot || node.IsHashReferenced)
        {
            batch.Put(nodePath, node.Encoded!);
            node.Persisted = true;
            if (_pendingDeletes.Count > 0)
            {
                _pendingDeletes.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(nodePath);
            }
        }
        else if (node.Persisted)
        {
            // It shrank below 32 bytes and now lives inside its parent.
            batch.Delete(nodePath);
            node.Persisted = false;
        }
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

    private static void Release(TrieNode node, int level, int keepLevels)
    {
        switch (node)
        {
            case ExtensionNode extension:
                if (Releasable(extension.Child, level, keepLevels))
                {
                    extension.Child = new HashNode(extension.Child.Hash);
                }
                else
                {
                    Release(extension.Child, level + 1, keepLevels);
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
                    else
                    {
                        Release(child, level + 1, keepLevels);
                    }
                }
                break;
        }
    }

    private static bool Releasable(TrieNode child, int level, int keepLevels) =>
        level >= keepLevels && child is not HashNode && !child.Dirty && child.Persisted && child.Encoded is not null && child.IsHashReferenced;
}
