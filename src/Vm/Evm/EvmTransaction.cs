using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>An EIP-2930 access-list entry: an address and storage keys to warm before execution.</summary>
public sealed record AccessListItem(Address Address, IReadOnlyList<UInt256> StorageKeys);

/// <summary>
/// The parts of a transaction the EVM needs (the signature has been checked and the sender recovered already).
/// Legacy transactions set <see cref="GasPrice"/>; EIP-1559 ones set the two fee caps instead.
/// </summary>
public sealed record EvmTransaction
{
    public required Address Sender { get; init; }

    /// <summary>The callee, or null to deploy <see cref="Data"/> as init code.</summary>
    public Address? To { get; init; }

    public ulong Nonce { get; init; }

    public long GasLimit { get; init; }

    public UInt256 Value { get; init; }

    public byte[] Data { get; init; } = [];

    public UInt256 GasPrice { get; init; }

    public UInt256? MaxFeePerGas { get; init; }

    public UInt256? MaxPriorityFeePerGas { get; init; }

    public IReadOnlyList<AccessListItem> AccessList { get; init; } = [];
}

/// <summary>The outcome of a transaction: invalid (state untouched), or executed with its status, gas and logs.</summary>
public sealed record TransactionResult
{
    /// <summary>Why the transaction is invalid and was not executed; null when it was executed.</summary>
    public string? InvalidReason { get; init; }

    public EvmStatus Status { get; init; }

    public long GasUsed { get; init; }

    /// <summary>Return data, or the revert reason data when <see cref="Status"/> is Reverted.</summary>
    public ReadOnlyMemory<byte> Output { get; init; }

    public IReadOnlyList<LogEntry> Logs { get; init; } = [];

    public Address? CreatedAddress { get; init; }

    public bool IsValid => InvalidReason is null;

    public static TransactionResult Invalid(string reason) => new() { InvalidReason = reason };
}
