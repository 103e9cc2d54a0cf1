using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Storage;

/// <summary>
/// A proof of one storage slot under the account's storage root: the storage-trie nodes from that root down
/// suite_hash(slot), and the slot's value (zero: absent, and the nodes prove the absence).
/// </summary>
public sealed record StorageProof(UInt256 Slot, UInt256 Value, byte[][] Nodes);

/// <summary>
/// A proof of one account under the state root after <paramref name="Height"/>: the trie nodes, and the leaf they
/// prove (rlp([nonce, balance, storage_root, code_hash]), null for an absent account) with its decoded account.
/// </summary>
public sealed record AccountProof(ulong Height, Hash32 StateRoot, byte[][] Nodes, byte[]? Leaf, AccountState Account)
{
    /// <summary>Proofs of the requested storage slots under <see cref="AccountState.StorageRoot"/> of the account.</summary>
    public IReadOnlyList<StorageProof> Storage { get; init; } = [];
}
