using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Trie;

// Structural changes. Paths are absolute: a node reached at depth d on the way to a key sits at the key's first d nibbles.
public sealed partial class MerklePatriciaTrie<THasher> where THasher : struct, IHasher
{
    private TrieNode Insert(TrieNode? node, ReadOnlySpan<byte> path, int depth, ReadOnlySpan<byte> value)
    {
        node = Resolve(ref node, path[..depth]);
        var rest = path[depth..];
        switch (node)
        {
            case null:
                return NewLeaf(rest.ToArray(), value.ToArray());

            case LeafNode leaf:
            {
                if (rest.SequenceEqual(leaf.Path))
                {
                    _replaced = leaf.Value;
                    if (leaf.Value.AsSpan().SequenceEqual(value))
                    {
                        _unchanged = true;
                        return leaf;
                    }
                    leaf.Value = value.ToArray();
                    leaf.Touch();
                    return leaf;
                }
                var common = Nibbles.CommonPrefixLength(leaf.Path, rest);
                var branch = NewBranch();
                if (leaf.Path.Length == common)
                {
                    branch.Value = leaf.Value;
                }
                else
                {
                    branch.Children[leaf.Path[common]] = NewLeaf(leaf.Path[(common + 1)..], leaf.Value);
                }
                AddBelow(branch, rest, common, value);
                Discard(leaf, path[..depth]);
                return common == 0 ? branch : NewExtension(rest[..common].ToArray(), branch);
            }

            case ExtensionNode extension:
            {
                var common = Nibbles.CommonPrefixLength(extension.Path, rest);
                if (common == extension.Path.Length)
                {
                    extension.Child = Insert(extension.Child, path, depth + common, value);
                    if (!_unchanged)
                    {
                        extension.Touch();
                    }
                    return extension;
                }
                var branch = NewBranch();
                // The old child keeps its absolute path; only the nibbles above it are regrouped.
                branch.Children[extension.Path[common]] = extension.Path.Length - common == 1
                    ? extension.Child
                    : NewExtension(extension.Path[(common + 1)..], extension.Child);
                AddBelow(branch, rest, common, value);
                Discard(extension, path[..depth]);
                return common == 0 ? branch : NewExtension(rest[..common].ToArray(), branch);
            }

            case BranchNode branch:
                if (rest.IsEmpty)
                {
                    _replaced = branch.Value;
                    if (branch.Value is not null && branch.Value.AsSpan().SequenceEqual(value))
                    {
                        _unchanged = true;
                        return branch;
                    }
                    branch.Value = value.ToArray();
                }
                else
                {
                    branch.Children[rest[0]] = Insert(branch.Children[rest[0]], path, depth + 1, value);
                }
                if (!_unchanged)
                {
                    branch.Touch();
                }
                return branch;

            default:
                throw new InvalidOperationException("unresolved node");
        }
    }

    private static void AddBelow(BranchNode branch, ReadOnlySpan<byte> rest, int common, ReadOnlySpan<byte> value)
    {
        if (rest.Length == common)
        {
            branch.Value = value.ToArray();
        }
        else
        {
            branch.Children[rest[common]] = NewLeaf(rest[(common + 1)..].ToArray(), value.ToArray());
        }
    }

    // The key is known to be present.
    private TrieNode? Remove(TrieNode node, ReadOnlySpan<byte> path, int depth)
    {
        node = Resolve(ref node!, path[..depth])!;
        switch (node)
        {
            case LeafNode leaf:
                Discard(leaf, path[..depth]);
                return null;

            case ExtensionNode extension:
            {
                var childDepth = depth + extension.Path.Length;
                var child = Remove(extension.Child, path, childDepth);
                switch (child)
                {
                    case LeafNode leaf:
                        Discard(extension, path[..depth]);
                        Discard(leaf, path[..childDepth]);
                        return NewLeaf(Nibbles.Concat(extension.Path, leaf.Path), leaf.Value);
                    case ExtensionNode below:
                        Discard(extension, path[..depth]);
                        Discard(below, path[..childDepth]);
                        return NewExtension(Nibbles.Concat(extension.Path, below.Path), below.Child);
                    default:
                        extension.Child = child!;
                        extension.Touch();
                        return extension;
                }
            }

            case BranchNode branch:
                if (depth == path.Length)
                {
                    branch.Value = null;
                }
                else
                {
                    branch.Children[path[depth]] = Remove(branch.Children[path[depth]]!, path, depth + 1);
                }
                branch.Touch();
                return Collapse(branch, path[..depth]);

            default:
                throw new InvalidOperationException("unresolved node");
        }
    }

    // A branch left with a single entry is replaced by a leaf or an extension at its own path.
    private TrieNode Collapse(BranchNode branch, ReadOnlySpan<byte> path)
    {
        var only = -1;
        for (var i = 0; i < 16; i++)
        {
            if (branch.Children[i] is not null)
            {
                if (only >= 0 || branch.Value is not null)
                {
                    return branch;
                }
                only = i;
            }
        }
        Discard(branch, path);
        if (only < 0)
        {
            return NewLeaf([], branch.Value!);
        }
        Span<byte> childPath = stackalloc byte[path.Length + 1];
        path.CopyTo(childPath);
        childPath[^1] = (byte)only;
        var child = Resolve(ref branch.Children[only], childPath)!;
        switch (child)
        {
            case LeafNode leaf:
                Discard(leaf, childPath);
                return NewLeaf(Nibbles.Concat((byte)only, leaf.Path), leaf.Value);
            case ExtensionNode extension:
                Discard(extension, childPath);
                return NewExtension(Nibbles.Concat((byte)only, extension.Path), extension.Child);
            default:
                return NewExtension([(byte)only], child);
        }
    }

    // A stored node that leaves the trie (or moves to another path) leaves a stale entry to delete at commit.
    private void Discard(TrieNode node, ReadOnlySpan<byte> path)
    {
        if (node.Persisted)
        {
            _pendingDeletes.Add(path.ToArray(), StoredEncoding(node));
            node.Persisted = false;
            node.Stored = null;
        }
    }

    // What the store holds at a persisted node's path: its encoding, or the one it had before a pending change.
    private static byte[] StoredEncoding(TrieNode node) =>
        node.Stored ?? node.Encoded ?? throw new InvalidOperationException("a persisted node changed without being loaded");

    private TrieNode? Resolve(ref TrieNode? slot, ReadOnlySpan<byte> path)
    {
        if (slot is HashNode reference)
        {
            if (!_store.TryLoad(path, out var encoded))
            {
                throw new TrieException($"trie node {reference.Hash} missing at path {Hex.Encode(path)}");
            }
            var actual = HashOf(encoded);
            if (actual != reference.Hash)
            {
                throw new TrieException($"trie node at path {Hex.Encode(path)} has hash {actual}, expected {reference.Hash}");
            }
            slot = DecodeStored(encoded, path, actual);
            _strayLoads |= !_updating;
        }
        return slot;
    }

    private static TrieNode DecodeStored(byte[] encoded, ReadOnlySpan<byte> path, Hash32 hash)
    {
        if (!TrieNodeCodec.TryDecode(encoded, encoded, out var node))
        {
            throw new TrieException($"undecodable trie node at path {Hex.Encode(path)}");
        }
        node.Hash = hash;
        node.Persisted = true;
        return node;
    }

    private static LeafNode NewLeaf(byte[] path, byte[] value)
    {
        var leaf = new LeafNode(path, value);
        leaf.Touch();
        return leaf;
    }

    private static ExtensionNode NewExtension(byte[] path, TrieNode child)
    {
        var extension = new ExtensionNode(path, child);
        extension.Touch();
        return extension;
    }

    private static BranchNode NewBranch()
    {
        var branch = new BranchNode();
        branch.Touch();
        return branch;
    }
}
