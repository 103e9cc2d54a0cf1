using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>
/// How a system-contract call ended: returned (state kept, unused gas back to the caller), reverted (state undone,
/// unused gas back, revert data to the caller) or failed (state undone, all gas consumed, like an exceptional halt).
/// </summary>
public readonly record struct SystemCallResult(EvmStatus Status, ReadOnlyMemory<byte> Output)
{
    public static SystemCallResult Return(ReadOnlyMemory<byte> output) => new(EvmStatus.Returned, output);

    /// <summary>Reverts with raw revert data.</summary>
    public static SystemCallResult Revert(ReadOnlyMemory<byte> data) => new(EvmStatus.Reverted, data);

    /// <summary>Reverts with a Solidity <c>Error(string)</c> reason, which callers see as <c>require</c> messages.</summary>
    public static SystemCallResult RevertWithReason(string reason) => new(EvmStatus.Reverted, AbiWriter.ErrorReason(reason));

    /// <summary>An exceptional halt with <paramref name="status"/> (out of gas, static-call violation...).</summary>
    public static SystemCallResult Fail(EvmStatus status) => new(status, ReadOnlyMemory<byte>.Empty);
}
