using System.Text.Json;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Governance;

/// <summary>The governance contract's ABI (contracts/src/IGovernance.sol compiled by solc), for encoding calls and naming events.</summary>
public static class GovernanceAbi
{
    private static readonly Lazy<ContractAbi> Abi = new(Load);

    public static ContractAbi Contract => Abi.Value;

    private static ContractAbi Load()
    {
        using var stream = typeof(GovernanceAbi).Assembly.GetManifestResourceStream("IGovernance.json")
            ?? throw new InvalidOperationException("the IGovernance ABI is not embedded in the assembly");
        using var json = JsonDocument.Parse(stream);
        return ContractAbi.Parse(json.RootElement.GetProperty("abi").GetRawText());
    }
}
