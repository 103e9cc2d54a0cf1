using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Proofs;

/// <summary>
/// Checks a storage slot of a counterparty's cross-chain contract against a state root its light client trusts, with
/// the counterparty's hash (SHA-256 or SM3: the state trie is hashed with the chain's suite, docs/state.md).
/// Validated here: at most <see cref="MaxNodes"/> nodes per proof part; everything else by
/// <see cref="StateProofVerifier"/>, which never throws on malformed input.
/// </summary>
public static class CounterpartyProof
{
    /// <summary>Far above a trie's depth (64 nibbles): a longer proof is garbage.</summary>
    public const int MaxNodes = 80;

    /// <summary>Present with the slot's value, Absent (the slot is zero), or Invalid.</summary>
    public static TrieProofResult VerifySlot(CryptoSuite suite, Hash32 stateRoot, Address contract, UInt256 slot, RelaySlotProof? proof, out UInt256 value)
    {
        value = UInt256.Zero;
        if (proof is null || proof.AccountProof.Count > MaxNodes || proof.StorageProof.Count > MaxNodes)
        {
            return TrieProofResult.Invalid;
        }
        var account = proof.AccountProof.Select(n => n.ToByteArray()).ToArray();
        var storage = proof.StorageProof.Select(n => n.ToByteArray()).ToArray();
        return suite.Name == CryptoSuite.Sm2Sm3Name
            ? StateProofVerifier.VerifySlot<Sm3Hasher>(stateRoot, contract, account, slot, storage, out value)
            : StateProofVerifier.VerifySlot<Sha256Hasher>(stateRoot, contract, account, slot, storage, out value);
    }
}
