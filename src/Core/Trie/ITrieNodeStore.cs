namespace ShanghaiChain.Core.Trie;

/// <summary>
/// The persistence port of a trie: its nodes keyed by nibble path (one nibble 0..15 per byte, the root at the empty path).
/// Only nodes referenced by hash (encoding of 32 bytes or more) and the root are stored; smaller nodes live inside their parent.
/// The path bytes can serve directly as a database key (behind a prefix per trie): distinct paths are distinct keys,
/// and a subtrie is the contiguous key range that has its path as prefix, so a whole subtrie can be range-deleted.
/// Implemented over RocksDB by src/Storage; <see cref="InMemoryTrieNodeStore"/> serves tests and benchmarks.
/// </summary>
public interface ITrieNodeStore
{
    /// <summary>Loads the RLP encoding of the node stored at <paramref name="nibblePath"/>.</summary>
    bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode);

    /// <summary>
    /// Loads the nodes at several paths at once (null where there is none), for the batched updates of
    /// <see cref="MerklePatriciaTrie{THasher}.Update"/>. The default loads them one by one; a database store
    /// overrides it with one batched read.
    /// </summary>
    void LoadMany(IReadOnlyList<byte[]> nibblePaths, byte[]?[] encodedNodes)
    {
        for (var i = 0; i < nibblePaths.Count; i++)
        {
            encodedNodes[i] = TryLoad(nibblePaths[i], out var node) ? node : null;
        }
    }
}

/// <summary>
/// The node changes of one trie commit. The caller owns the batch, so a block's trie nodes can be written in the same
/// atomic batch as the block and its flat state. Puts and deletes of one commit never touch the same path.
/// </summary>
/// <remarks>
/// Each change carries the encoding the store held at that path before the commit (<c>previous</c>), so a store that
/// keeps history (proofs at older heights) records it without reading the store back. The trie knows it without a
/// read: a stored node changes or leaves only after it has been loaded and checked against its hash.
/// </remarks>
public interface ITrieNodeWriteBatch
{
    /// <summary>
    /// Stores a node; the trie never modifies <paramref name="encodedNode"/> afterwards, so it may be kept as is.
    /// <paramref name="previous"/> is the node stored at the path until now, null when there was none.
    /// </summary>
    void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode, byte[]? previous);

    /// <summary>Removes the node stored at the path, which was <paramref name="previous"/>.</summary>
    void Delete(ReadOnlySpan<byte> nibblePath, byte[] previous);
}
