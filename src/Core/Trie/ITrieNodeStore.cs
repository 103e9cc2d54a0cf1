namespace ShanghaiChain.Core.Trie;

/// <summary>
/// The persistence port of a trie: its nodes keyed by nibble path (one nibble 0..15 per byte, the root at the empty path).
/// Only nodes referenced by hash (encoding of 32 bytes or more) and the root are stored; smaller nodes live inside their parent.
/// Implemented over RocksDB by src/Storage; <see cref="InMemoryTrieNodeStore"/> serves tests and benchmarks.
/// </summary>
public interface ITrieNodeStore
{
    /// <summary>Loads the RLP encoding of the node stored at <paramref name="nibblePath"/>.</summary>
    bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode);
}

/// <summary>
/// The node changes of one trie commit. The caller owns the batch, so a block's trie nodes can be written in the same
/// atomic batch as the block and its flat state. Puts and deletes of one commit never touch the same path.
/// </summary>
public interface ITrieNodeWriteBatch
{
    /// <summary>Stores a node; the trie never modifies <paramref name="encodedNode"/> afterwards, so it may be kept as is.</summary>
    void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode);

    void Delete(ReadOnlySpan<byte> nibblePath);
}

/// <summary>The database key of a node path, for stores that need one flat byte key.</summary>
public static class TrieNodeKey
{
    /// <summary>Bytes of the key of a path of <paramref name="nibbleCount"/> nibbles (at most 255).</summary>
    public static int Length(int nibbleCount) => ((nibbleCount + 1) / 2) + 1;

    /// <summary>
    /// Writes the packed nibbles (zero-padded) followed by the nibble count. The key is unique per path, and a path
    /// sorts before its extensions, so a subtrie is one contiguous key range.
    /// </summary>
    public static int Write(ReadOnlySpan<byte> nibblePath, Span<byte> destination)
    {
        if (nibblePath.Length > byte.MaxValue)
        {
            ThrowHelper.ThrowArgument($"a trie path has at most {byte.MaxValue} nibbles");
        }
        var packed = (nibblePath.Length + 1) / 2;
        for (var i = 0; i < packed; i++)
        {
            var high = nibblePath[2 * i];
            var low = (2 * i) + 1 < nibblePath.Length ? nibblePath[(2 * i) + 1] : 0;
            destination[i] = (byte)((high << 4) | low);
        }
        destination[packed] = (byte)nibblePath.Length;
        return packed + 1;
    }

    public static byte[] ToArray(ReadOnlySpan<byte> nibblePath)
    {
        var key = new byte[Length(nibblePath.Length)];
        Write(nibblePath, key);
        return key;
    }
}
