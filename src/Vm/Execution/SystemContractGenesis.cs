using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// The code a chain's genesis state holds at each system-contract address (one INVALID opcode): Solidity's
/// code-size check on the callee passes and the account never counts as empty. The calls themselves are answered
/// by the native contract, never by this code.
/// </summary>
public static class SystemContractGenesis
{
    public static IReadOnlyList<KeyValuePair<Address, byte[]>> CodeOf(SystemContractRegistry registry) =>
        [.. registry.Contracts.Select(c => new KeyValuePair<Address, byte[]>(c.Key, SystemContractRegistry.GenesisCode.ToArray()))];
}
