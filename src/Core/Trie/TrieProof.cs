using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Core.Trie;

/// <summary>What a Merkle proof establishes about a key under a root.</summary>
public enum TrieProofResult
{
    /// <summary>The proof does not hash up to the root, is malformed, incomplete, or carries extra nodes.</summary>
    Invalid = 0,

    /// <summary>The key is in the trie with the value reported alongside.</summary>
    Present,

    /// <summary>The key is not in the trie.</summary>
    Absent,
}

/// <summary>
/// Verifies proofs made by <see cref="MerklePatriciaTrie{THasher}.GetProof"/> with nothing but the root: the proof is the
/// list of hash-referenced nodes on the key's path, root first. Every node must be used, in order, and must hash to the
/// reference its parent holds; malformed input yields <see cref="TrieProofResult.Invalid"/>, never an exception.
/// </summary>
public static class TrieProof
{
    /// <summary>
    /// Walks <paramref name="proof"/> from <paramref name="root"/> along <paramref name="key"/> (hashed first in
    /// <see cref="TrieKeyMode.Secure"/> mode). On <see cref="TrieProofResult.Present"/>, <paramref name="value"/> is the
    /// value, a slice of one of the proof's nodes.
    /// </summary>
    public static TrieProofResult Verify<THasher>(
        Hash32 root, ReadOnlySpan<byte> key, ReadOnlySpan<byte[]> proof, TrieKeyMode mode, out ReadOnlySpan<byte> value)
        where THasher : struct, IHasher
    {
        value = default;
        Span<byte> path = stackalloc byte[TrieNodeCodec.MaxNibbles];
        if (mode == TrieKeyMode.Secure)
        {
            Span<byte> hash = stackalloc byte[Hash32.Size];
            THasher.Hash(key, hash);
            Nibbles.FromBytes(hash, path);
            path = path[..(2 * Hash32.Size)];
        }
        else
        {
            if (key.Length > MerklePatriciaTrie<THasher>.MaxKeyLength)
            {
                return TrieProofResult.Invalid;
            }
            Nibbles.FromBytes(key, path);
            path = path[..(2 * key.Length)];
        }
        if (proof.IsEmpty || proof[0] is null || !HashesTo<THasher>(proof[0], root))
        {
            return TrieProofResult.Invalid;
        }
        ReadOnlySpan<byte> node = proof[0];
        var used = 1;
        if (node.Length == 1 && node[0] == RlpCodec.EmptyString)
        {
            return used == proof.Length ? TrieProofResult.Absent : TrieProofResult.Invalid;
        }

        Span<byte> nodePath = stackalloc byte[TrieNodeCodec.MaxNibbles + 2];
        var depth = 0;
        while (true)
        {
            // Each round either ends or consumes at least one nibble of the path, so the walk is bounded by the key.
            var outer = new RlpReader(node);
            if (!outer.TryReadList(out var items) || !outer.TryReadEnd()
                || !items.TryReadItem(out var first) || !items.TryReadItem(out var second))
            {
                return TrieProofResult.Invalid;
            }
            ReadOnlySpan<byte> reference;
            if (!items.HasMore)
            {
                if (!TrieNodeCodec.TryString(first, out var hexPrefix)
                    || !Nibbles.TryReadHexPrefix(hexPrefix, nodePath, out var count, out var isLeaf))
                {
                    return TrieProofResult.Invalid;
                }
                var rest = path[depth..];
                if (isLeaf)
                {
                    if (!TrieNodeCodec.TryString(second, out var leafValue) || leafValue.IsEmpty)
                    {
                        return TrieProofResult.Invalid;
                    }
                    if (!rest.SequenceEqual(nodePath[..count]))
                    {
                        return End(used, proof.Length, TrieProofResult.Absent);
                    }
                    value = leafValue;
                    return End(used, proof.Length, TrieProofResult.Present);
                }
                if (count == 0)
                {
                    return TrieProofResult.Invalid;
                }
                if (!rest.StartsWith(nodePath[..count]))
                {
                    return CheckReference(second) ? End(used, proof.Length, TrieProofResult.Absent) : TrieProofResult.Invalid;
                }
                depth += count;
                reference = second;
            }
            else
            {
                reference = default;
                var wanted = depth < path.Length ? path[depth] : -1;
                if (wanted == 0)
                {
                    reference = first;
                }
                else if (wanted == 1)
                {
                    reference = second;
                }
                for (var i = 2; i < 16; i++)
                {
                    if (!items.TryReadItem(out var item))
                    {
                        return TrieProofResult.Invalid;
                    }
                    if (i == wanted)
                    {
                        reference = item;
                    }
                }
                if (!items.TryReadString(out var branchValue) || !items.TryReadEnd())
                {
                    return TrieProofResult.Invalid;
                }
                if (wanted < 0)
                {
                    if (branchValue.IsEmpty)
                    {
                        return End(used, proof.Length, TrieProofResult.Absent);
                    }
                    value = branchValue;
                    return End(used, proof.Length, TrieProofResult.Present);
                }
                depth++;
            }

            // Follow the reference: empty (absent), embedded node, or the hash of the next proof node.
            if (reference[0] >= RlpCodec.EmptyList)
            {
                if (reference.Length >= Hash32.Size)
                {
                    return TrieProofResult.Invalid;
                }
                node = reference;
                continue;
            }
            if (!TrieNodeCodec.TryString(reference, out var target))
            {
                return TrieProofResult.Invalid;
            }
            if (target.IsEmpty)
            {
                return End(used, proof.Length, TrieProofResult.Absent);
            }
            if (target.Length != Hash32.Size || used == proof.Length || proof[used] is null
                || !HashesTo<THasher>(proof[used], new Hash32(target)))
            {
                return TrieProofResult.Invalid;
            }
            node = proof[used++];
        }
    }

    /// <summary>True when the proof shows <paramref name="key"/> holding exactly <paramref name="expectedValue"/>.</summary>
    public static bool VerifyInclusion<THasher>(
        Hash32 root, ReadOnlySpan<byte> key, ReadOnlySpan<byte> expectedValue, ReadOnlySpan<byte[]> proof, TrieKeyMode mode)
        where THasher : struct, IHasher =>
        Verify<THasher>(root, key, proof, mode, out var value) == TrieProofResult.Present && value.SequenceEqual(expectedValue);

    /// <summary>True when the proof shows that <paramref name="key"/> is not in the trie.</summary>
    public static bool VerifyAbsence<THasher>(Hash32 root, ReadOnlySpan<byte> key, ReadOnlySpan<byte[]> proof, TrieKeyMode mode)
        where THasher : struct, IHasher =>
        Verify<THasher>(root, key, proof, mode, out _) == TrieProofResult.Absent;

    private static TrieProofResult End(int used, int count, TrieProofResult result) =>
        used == count ? result : TrieProofResult.Invalid;

    private static bool CheckReference(ReadOnlySpan<byte> reference) =>
        reference[0] >= RlpCodec.EmptyList ? reference.Length < Hash32.Size
        : TrieNodeCodec.TryString(reference, out var target) && target.Length == Hash32.Size;

    private static bool HashesTo<THasher>(ReadOnlySpan<byte> node, Hash32 expected) where THasher : struct, IHasher
    {
        Span<byte> hash = stackalloc byte[Hash32.Size];
        THasher.Hash(node, hash);
        return new Hash32(hash) == expected;
    }
}
