namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// A rule set: the fork rules plus the chain's configurable limits. The instruction table is built once per instance
/// and shared by every execution under these rules.
/// </summary>
public sealed class EvmRules
{
    /// <summary>Exact Ethereum Cancun rules (conformance mode).</summary>
    public static EvmRules Cancun { get; } = new();

    /// <summary>EIP-170 limit on deployed code.</summary>
    public int MaxCodeSize { get; init; } = 24_576;

    /// <summary>EIP-3860 limit on init code.</summary>
    public int MaxInitCodeSize => 2 * MaxCodeSize;

    public int MaxCallDepth { get; init; } = 1024;

    /// <summary>
    /// Native contracts at reserved addresses, dispatched before code for CALL, STATICCALL, DELEGATECALL and CALLCODE.
    /// Null (no system contracts) in conformance mode, so the Ethereum rules are unchanged.
    /// </summary>
    public SystemContracts.SystemContractRegistry? SystemContracts { get; init; }

    private Instructions.InstructionTable? _table;

    internal Instructions.InstructionTable Table => _table ??= Instructions.InstructionTable.Build(this);
}
