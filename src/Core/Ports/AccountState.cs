using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Ports;

/// <summary>
/// An account as execution sees it. An account that was never touched reads as <see cref="Empty"/>.
/// <see cref="CodeHash"/> is the suite hash of the code (zero: no code); <see cref="StorageRoot"/> is the root of the
/// account's storage trie (zero: no storage). The store owns it: in a diff handed to Storage it is ignored, and the
/// committed account gets the root of its storage trie (recomputed when the block changed its slots).
/// </summary>
public readonly record struct AccountState(ulong Nonce, UInt256 Balance, Hash32 CodeHash, Hash32 StorageRoot = default)
{
    public static readonly AccountState Empty = new(0, UInt256.Zero, Hash32.Zero);

    /// <summary>No nonce, no balance, no code (EIP-161 "empty"): such an account does not exist in the state.</summary>
    public bool IsEmpty => Nonce == 0 && Balance.IsZero && CodeHash.IsZero;

    public bool HasCode => !CodeHash.IsZero;
}
