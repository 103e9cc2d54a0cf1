using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Core.Trie;

/// <summary>
/// Checks a storage slot against a state root with nothing but proofs (docs/state.md): the account proof leads from the
/// state root to the account leaf rlp([nonce, balance, storage_root, code_hash]); the storage proof leads from that
/// storage_root along suite_hash(slot) to rlp(value) or to the slot's absence. Never throws on malformed input.
/// </summary>
public static class StateProofVerifier
{
    /// <summary>Reads the storage_root field of an account leaf; false when the leaf does not decode.</summary>
    public static bool TryReadStorageRoot(ReadOnlySpan<byte> accountLeaf, out Hash32 storageRoot)
    {
        storageRoot = default;
        var reader = new RlpReader(accountLeaf);
        if (!reader.TryReadList(out var fields) || !fields.TryReadUInt64(out _) || !fields.TryReadUInt256(out _) ||
            !fields.TryReadString(out var root) || root.Length != Hash32.Size || !fields.TryReadString(out var code) ||
            code.Length != Hash32.Size || !fields.TryReadEnd() || !reader.TryReadEnd())
        {
            return false;
        }
        storageRoot = new Hash32(root);
        return true;
    }

    /// <summary>
    /// Verifies one slot under a storage root. Present: <paramref name="value"/> is the slot's (non-zero) value; Absent:
    /// the slot is zero; Invalid: the proof or the stored value is malformed or does not hash to the root.
    /// </summary>
    public static TrieProofResult VerifySlot<THasher>(Hash32 storageRoot, UInt256 slot, ReadOnlySpan<byte[]> proof, out UInt256 value)
        where THasher : struct, IHasher
    {
        value = UInt256.Zero;
        Span<byte> key = stackalloc byte[UInt256.Size];
        slot.WriteBigEndian(key);
        var result = TrieProof.Verify<THasher>(storageRoot, key, proof, TrieKeyMode.Secure, out var encoded);
        if (result != TrieProofResult.Present)
        {
            return result;
        }
        var reader = new RlpReader(encoded);
        if (!reader.TryReadUInt256(out value) || !reader.TryReadEnd() || value.IsZero)
        {
            value = UInt256.Zero;
            return TrieProofResult.Invalid;
        }
        return TrieProofResult.Present;
    }

    /// <summary>
    /// Verifies a slot against a state root: the account proof (present; an absent account has no storage, so every
    /// slot is Absent when the account proof proves absence), then the slot under the leaf's storage_root.
    /// </summary>
    public static TrieProofResult VerifySlot<THasher>(Hash32 stateRoot, Address address, ReadOnlySpan<byte[]> accountProof,
        UInt256 slot, ReadOnlySpan<byte[]> storageProof, out UInt256 value)
        where THasher : struct, IHasher
    {
        value = UInt256.Zero;
        Span<byte> addressBytes = stackalloc byte[Address.Size];
        address.WriteTo(addressBytes);
        var account = TrieProof.Verify<THasher>(stateRoot, addressBytes, accountProof, TrieKeyMode.Secure, out var leaf);
        if (account == TrieProofResult.Absent)
        {
            return TrieProofResult.Absent;
        }
        if (account != TrieProofResult.Present || !TryReadStorageRoot(leaf, out var storageRoot))
        {
            return TrieProofResult.Invalid;
        }
        return VerifySlot<THasher>(storageRoot, slot, storageProof, out value);
    }
}
