using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Vm.Execution;

/// <summary>The outcome of executing one block: a receipt per transaction and the state diff to commit.</summary>
public sealed record ExecutionResult(
    IReadOnlyList<Receipt> Receipts,
    IReadOnlyList<KeyValuePair<Address, AccountState>> StateDiff,
    ulong GasUsed)
{
    /// <summary>Storage slots, wiped storage and new code: the contract part of the diff, committed with it.</summary>
    public ContractStateDiff Contracts { get; init; } = ContractStateDiff.None;
}
