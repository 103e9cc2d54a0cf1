using System.Text.Json;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Governance.Tests;

/// <summary>
/// contracts/src/CargoRegistry.sol, compiled by solc, asks the governance contract who may record and who may read:
/// roles decided by a committee vote change what a Solidity contract allows, with no redeploy.
/// </summary>
public sealed class SolidityTests
{
    [Fact]
    public void A_solidity_contract_checks_roles_through_the_governance_contract_and_follows_a_vote()
    {
        using var chain = new GovernanceChain();
        var (abi, bytecode) = Artifact("CargoRegistry");
        var deployed = chain.Send(chain.City, to: null, bytecode);
        Assert.Equal(ReceiptStatus.Success, deployed.Status);
        var registry = new Address(deployed.ContractAddress.Span);
        var cargo = "\"0x" + new string('a', 64) + "\"";

        var byMember = chain.Send(chain.Port, registry, abi.GetFunction("record").EncodeCall(Json($"[{cargo}]")));
        Assert.True(byMember.Status == ReceiptStatus.Success, byMember.ErrorMessage);
        var byOutsider = chain.Send(chain.Outsider, registry, abi.GetFunction("record").EncodeCall(Json($"[{cargo}]")));
        Assert.Equal(ExecutionError.Reverted, byOutsider.Error);
        Assert.Contains("members only", byOutsider.ErrorMessage, StringComparison.Ordinal);

        var entries = abi.GetFunction("entries").EncodeCall(Json("[]"));
        Assert.Contains("regulators only", chain.Send(chain.Outsider, registry, entries).ErrorMessage, StringComparison.Ordinal);
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.GrantRole(chain.Outsider.Address, "regulator")));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(id)!.Status);
        var read = chain.Send(chain.Outsider, registry, entries);
        Assert.True(read.Status == ReceiptStatus.Success, read.ErrorMessage);
        var decoded = AbiCodec.Decode(abi.GetFunction("entries").Outputs, read.Output.Span);
        Assert.Single(decoded[0]!.AsArray());
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static (ContractAbi Abi, byte[] Bytecode) Artifact(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "contracts", "build", name + ".json")));
        return (ContractAbi.Parse(json.RootElement.GetProperty("abi").GetRawText()), Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!));
    }
}
