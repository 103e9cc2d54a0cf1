using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Trie;

/// <summary>
/// An in-memory trie node with its cached encoding; the node kinds are those of yellow paper appendix D.
/// New nodes start clean; the trie marks the ones it creates or changes with <see cref="Touch"/>.
/// </summary>
internal abstract class TrieNode
{
    /// <summary>The RLP encoding, or null when a change below made it stale.</summary>
    public byte[]? Encoded;

    /// <summary>The hash of <see cref="Encoded"/>; meaningful only when the encoding is 32 bytes or more.</summary>
    public Hash32 Hash;

    /// <summary>Changed since the last commit, so the commit visits it.</summary>
    public bool Dirty;

    /// <summary>The store holds this node's encoding at this node's path (so removing or moving it needs a delete).</summary>
    public bool Persisted;

    /// <summary>The trie's commit count when this node was last visited by a commit, which bounds the release walk.</summary>
    public int CommittedIn;

    /// <summary>
    /// While a change to a persisted node waits for the commit: the encoding the store still holds at its path
    /// (kept by the first <see cref="Touch"/>, handed to the write batch and dropped by the commit).
    /// </summary>
    public byte[]? Stored;

    /// <summary>
    /// A stale encoding of this node that nothing else holds (not the stored one, never handed out), which the next
    /// encoding reuses when it has the same length: a branch changed by every block is re-encoded into the same array.
    /// </summary>
    public byte[]? Spare;

    /// <summary>Referenced from its parent by hash (stored on its own) rather than embedded.</summary>
    public bool IsHashReferenced => Encoded!.Length >= Hash32.Size;

    public void Touch()
    {
        if (Persisted)
        {
            Stored ??= Encoded;
        }
        // The trie hands out copies of encodings (proofs, node reads), and the store keeps only what a commit wrote,
        // which is the stored encoding from the next change on: any other encoding is this node's alone.
        if (Encoded is not null && !ReferenceEquals(Encoded, Stored))
        {
            Spare = Encoded;
        }
        Encoded = null;
        Dirty = true;
    }
}

internal sealed class LeafNode : TrieNode
{
    public LeafNode(byte[] path, byte[] value)
    {
        Path = path;
        Value = value;
    }

    /// <summary>The rest of the key below this node's position, in nibbles.</summary>
    public byte[] Path;

    public byte[] Value;
}

internal sealed class ExtensionNode : TrieNode
{
    public ExtensionNode(byte[] path, TrieNode child)
    {
        Path = path;
        Child = child;
    }

    /// <summary>The shared nibbles skipped before the child (never empty).</summary>
    public byte[] Path;

    public TrieNode Child;
}

internal sealed class BranchNode : TrieNode
{
    public readonly TrieNode?[] Children = new TrieNode?[16];

    /// <summary>The value of the key that ends exactly here (plain tries only; hashed keys all have the same length).</summary>
    public byte[]? Value;
}

/// <summary>A child not loaded yet: its hash is known from the parent, its encoding is in the store at its path.</summary>
internal sealed class HashNode : TrieNode
{
    public HashNode(Hash32 hash)
    {
        Hash = hash;
        Persisted = true;
    }
}
