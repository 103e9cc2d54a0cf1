using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Ports;

/// <summary>One storage slot a block changed, with its value after the block (zero: the slot is deleted).</summary>
public readonly record struct StorageChange(Address Address, UInt256 Slot, UInt256 Value);

/// <summary>
/// The contract part of a block's state diff, beside the account diff: storage slots and new code. Every list is
/// sorted (slots by address then slot, code by hash, cleared accounts by address) so that what is committed never
/// depends on hash-table order.
/// </summary>
public sealed record ContractStateDiff
{
    public static readonly ContractStateDiff None = new();

    /// <summary>Accounts whose storage was wiped (deleted or re-created) before the <see cref="Storage"/> writes apply.</summary>
    public IReadOnlyList<Address> ClearedStorage { get; init; } = [];

    public IReadOnlyList<StorageChange> Storage { get; init; } = [];

    /// <summary>Code first deployed in this block, keyed by its suite hash.</summary>
    public IReadOnlyList<KeyValuePair<Hash32, byte[]>> Code { get; init; } = [];

    public bool IsEmpty => ClearedStorage.Count == 0 && Storage.Count == 0 && Code.Count == 0;
}
