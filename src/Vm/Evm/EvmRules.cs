namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// A rule set: the fork rules (Cancun, the only fork) plus the chain's configurable limits, which the instruction
/// handlers read at run time.
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

    /// <summary>The dispatch table of the fork; no limit here changes an opcode's handler or static gas.</summary>
    internal Instructions.InstructionTable Table => Instructions.InstructionTable.Cancun;
}
