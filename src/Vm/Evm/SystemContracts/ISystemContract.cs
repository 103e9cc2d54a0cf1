namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>
/// A native C# contract at a reserved address (<see cref="SystemContractRegistry"/>), called from Solidity like any
/// contract: the input is ABI-encoded calldata and the output is returned as return data or revert data.
/// Implementations must be deterministic (no clock, randomness, I/O or unordered iteration) and must not throw for any
/// input: every outcome is a <see cref="SystemCallResult"/>. An exception escaping <see cref="Run"/> is a node bug.
/// </summary>
public interface ISystemContract
{
    /// <summary>A short name for documentation and diagnostics.</summary>
    string Name { get; }

    /// <summary>
    /// True when DELEGATECALL and CALLCODE may run this contract. Only stateless contracts allow it: under delegation
    /// storage and logs would act on the calling contract's account. When false such calls revert.
    /// </summary>
    bool AllowsDelegation { get; }

    /// <summary>True when a CALL or CALLCODE with value is accepted; when false such calls revert (the value stays put).</summary>
    bool AcceptsValue { get; }

    /// <summary>Runs one call. Charge gas through <see cref="SystemCallContext.TryUseGas"/> before doing work.</summary>
    SystemCallResult Run(SystemCallContext context);
}
