using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Merkle;

/// <summary>
/// Binary Merkle root over an ordered list of 32-byte leaves (transaction ids, receipt hashes), with the
/// leaf/node domain separation of RFC 6962 so a leaf can never be passed off as an inner node:
/// leaf = H(0x00 || item), node = H(0x01 || left || right), an odd node is promoted unchanged, and the
/// root of an empty list is H("").
/// </summary>
public static class BinaryMerkleTree
{
    public static Hash32 ComputeRoot(CryptoSuite suite, IReadOnlyList<Hash32> items)
    {
        Span<byte> digest = stackalloc byte[Hash32.Size];
        if (items.Count == 0)
        {
            suite.Hash(ReadOnlySpan<byte>.Empty, digest);
            return new Hash32(digest);
        }
        var level = new Hash32[items.Count];
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash32.Size];
        for (var i = 0; i < items.Count; i++)
        {
            buffer[0] = 0x00;
            items[i].WriteTo(buffer[1..]);
            suite.Hash(buffer[..(1 + Hash32.Size)], digest);
            level[i] = new Hash32(digest);
        }
        var count = level.Length;
        while (count > 1)
        {
            var next = 0;
            for (var i = 0; i < count; i += 2)
            {
                if (i + 1 == count)
                {
                    level[next++] = level[i];
                    continue;
                }
                buffer[0] = 0x01;
                level[i].WriteTo(buffer[1..]);
                level[i + 1].WriteTo(buffer[(1 + Hash32.Size)..]);
                suite.Hash(buffer, digest);
                level[next++] = new Hash32(digest);
            }
            count = next;
        }
        return level[0];
    }
}
