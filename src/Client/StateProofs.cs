using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Client;

/// <summary>An account and storage slots read with proofs and verified against <see cref="StateRoot"/> by the client.</summary>
/// <param name="Exists">False when the proof shows the account's absence (then nonce, balance and slots are zero).</param>
public sealed record VerifiedAccount(Address Address, ulong Height, Hash32 StateRoot, bool Exists, ulong Nonce, UInt256 Balance,
    Hash32 CodeHash, IReadOnlyDictionary<UInt256, UInt256> Slots, int ProofNodes, int ProofBytes);

/// <summary>A proof from the node that does not verify: the node (or the path to it) cannot be trusted for this read.</summary>
public sealed class ProofException(string message) : ShanghaiChainException("INVALID_PROOF", message);

/// <summary>
/// Checks a <see cref="GetProofResponse"/> with nothing but the proofs and the root (docs/state.md): the account proof
/// from the state root to the account leaf rlp([nonce, balance, storage_root, code_hash]) or to its absence, then each
/// slot's proof from that storage root. Every value is taken from verified bytes, never from the response's
/// convenience fields.
/// </summary>
internal static class StateProofs
{
    public static VerifiedAccount Verify(CryptoSuite suite, Address address, IReadOnlyList<UInt256> slots, GetProofResponse response) =>
        suite.Name == CryptoSuite.Sm2Sm3Name
            ? Verify<Sm3Hasher>(address, slots, response)
            : Verify<Sha256Hasher>(address, slots, response);

    private static VerifiedAccount Verify<THasher>(Address address, IReadOnlyList<UInt256> slots, GetProofResponse response)
        where THasher : struct, IHasher
    {
        if (!Hash32.TryRead(response.StateRoot.Span, out var root))
        {
            throw new ProofException($"the node sent a state root of {response.StateRoot.Length} bytes");
        }
        if (response.StorageProofs.Count != slots.Count)
        {
            throw new ProofException($"asked for {slots.Count} slot proof(s), the node sent {response.StorageProofs.Count}");
        }
        var accountProof = response.AccountProof.Select(n => n.ToByteArray()).ToArray();
        var result = TrieProof.Verify<THasher>(root, address.ToArray(), accountProof, TrieKeyMode.Secure, out var leaf);
        var values = new Dictionary<UInt256, UInt256>();
        switch (result)
        {
            case TrieProofResult.Absent:
                foreach (var slot in slots)
                {
                    values[slot] = UInt256.Zero;
                }
                return new VerifiedAccount(address, response.Height, root, false, 0, UInt256.Zero, default, values, accountProof.Length, accountProof.Sum(n => n.Length));
            case TrieProofResult.Present:
                break;
            default:
                throw new ProofException($"the account proof of {address} does not verify against state root {root}");
        }
        if (!TryDecodeLeaf(leaf, out var nonce, out var balance, out var storageRoot, out var codeHash))
        {
            throw new ProofException($"the proven account leaf of {address} is not rlp([nonce, balance, storage_root, code_hash])");
        }
        for (var i = 0; i < slots.Count; i++)
        {
            var proof = response.StorageProofs[i].Proof.Select(n => n.ToByteArray()).ToArray();
            var slotResult = StateProofVerifier.VerifySlot<THasher>(storageRoot, slots[i], proof, out var value);
            if (slotResult == TrieProofResult.Invalid)
            {
                throw new ProofException($"the proof of slot {slots[i]} of {address} does not verify against its storage root {storageRoot}");
            }
            values[slots[i]] = value;
        }
        return new VerifiedAccount(address, response.Height, root, true, nonce, balance, codeHash, values, accountProof.Length, accountProof.Sum(n => n.Length));
    }

    private static bool TryDecodeLeaf(ReadOnlySpan<byte> leaf, out ulong nonce, out UInt256 balance, out Hash32 storageRoot, out Hash32 codeHash)
    {
        nonce = 0;
        balance = UInt256.Zero;
        storageRoot = default;
        codeHash = default;
        var reader = new RlpReader(leaf);
        if (!reader.TryReadList(out var fields) || !fields.TryReadUInt64(out nonce) || !fields.TryReadUInt256(out balance) ||
            !fields.TryReadString(out var root) || !fields.TryReadString(out var code) || !fields.TryReadEnd() || !reader.TryReadEnd())
        {
            return false;
        }
        return Hash32.TryRead(root, out storageRoot) && Hash32.TryRead(code, out codeHash);
    }
}
