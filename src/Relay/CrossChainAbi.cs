using System.Text.Json;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay;

/// <summary>The cross-chain contract's ABI (contracts/src/ICrossChain.sol compiled by solc), for encoding calls and naming events.</summary>
public static class CrossChainAbi
{
    private static readonly Lazy<ContractAbi> Abi = new(Load);

    public static ContractAbi Contract => Abi.Value;

    private static ContractAbi Load()
    {
        using var stream = typeof(CrossChainAbi).Assembly.GetManifestResourceStream("ICrossChain.json")
            ?? throw new InvalidOperationException("the ICrossChain ABI is not embedded in the assembly");
        using var json = JsonDocument.Parse(stream);
        return ContractAbi.Parse(json.RootElement.GetProperty("abi").GetRawText());
    }
}
