using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Storage;

/// <summary>
/// Proofs of accounts and their storage slots under the state root of the head or of a recent height (docs/state.md,
/// "Account state on our chains"): the account trie's nodes down to the account, and for each slot asked the storage
/// trie's nodes from the account's storage root.
/// </summary>
internal sealed class StateProofs(StateStore state)
{
    /// <summary>A proof at the head <paramref name="head"/>; the caller holds the commit lock, so the head cannot move under it.</summary>
    public AccountProof ProveAtHead(ulong head, Address address, IReadOnlyList<UInt256>? slots)
    {
        // One walk for the leaf (loading what is not cached) and one for the proof over the now-loaded path; the account
        // is the leaf's decoding, not a third walk.
        var commitment = state.Commitment;
        var leaf = commitment.GetLeaf(address);
        var account = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(state.Suite, leaf);
        return new AccountProof(head, commitment.Root, commitment.GetProof(address), leaf, account)
        {
            Storage = ProveSlots(account, address, slots, null),
        };
    }

    /// <summary>
    /// A proof at a past height, outside the commit lock (a slow rebuild never holds up commits); null when the state of
    /// that height can no longer be rebuilt: not available, never a wrong proof.
    /// </summary>
    public AccountProof? ProveAt(PastState past, Address address, IReadOnlyList<UInt256>? slots)
    {
        try
        {
            var (nodes, leaf) = past.AccountTrie().Prove(address);
            var decoded = leaf is null ? AccountState.Empty : StateCommitment.DecodeLeaf(state.Suite, leaf);
            return new AccountProof(past.Height, past.Root, nodes, leaf, decoded) { Storage = ProveSlots(decoded, address, slots, past.Read) };
        }
        catch (TrieException)
        {
            return null;
        }
    }

    private List<StorageProof> ProveSlots(AccountState account, Address address, IReadOnlyList<UInt256>? slots, HistoricalRead? read)
    {
        var proofs = new List<StorageProof>(slots?.Count ?? 0);
        foreach (var slot in slots ?? [])
        {
            var (nodes, value) = state.SlotTries.GetProof(account.StorageRoot, address, slot, read);
            proofs.Add(new StorageProof(slot, value, nodes));
        }
        return proofs;
    }
}
