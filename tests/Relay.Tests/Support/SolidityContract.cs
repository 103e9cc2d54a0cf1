using System.Text.Json;
using System.Text.Json.Nodes;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>
/// A compiled contract of contracts/build, used as an application would use it: calls encoded from its JSON ABI with
/// arguments as JSON (tuples as objects by field name), return values and events decoded back to JSON.
/// </summary>
internal sealed class SolidityContract
{
    private SolidityContract(ContractAbi abi, byte[] bytecode)
    {
        Abi = abi;
        Bytecode = bytecode;
    }

    public ContractAbi Abi { get; }

    public byte[] Bytecode { get; }

    public static SolidityContract Load(string name)
    {
        var json = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", name + ".json"));
        using var document = JsonDocument.Parse(json);
        return new SolidityContract(ContractAbi.Parse(json), Convert.FromHexString(document.RootElement.GetProperty("bytecode").GetString()!));
    }

    /// <summary>Calldata of <paramref name="function"/> with <paramref name="arguments"/> in parameter order.</summary>
    public byte[] Encode(string function, params JsonNode?[] arguments)
    {
        using var document = JsonDocument.Parse(new JsonArray(arguments).ToJsonString());
        return Abi.GetFunction(function).EncodeCall(document.RootElement);
    }

    /// <summary>The first return value of <paramref name="function"/> decoded from <paramref name="output"/>.</summary>
    public JsonNode? Decode(string function, byte[] output) => AbiCodec.Decode(Abi.GetFunction(function).Outputs, output)[0];

    /// <summary>The events this contract (at <paramref name="at"/>) logged in <paramref name="receipt"/>, by name, in order.</summary>
    public IReadOnlyList<(string Name, JsonObject Arguments)> Events(Receipt receipt, Address at) =>
        [.. receipt.Logs.Where(l => at.Matches(l.Address.Span) && l.Topics.Count > 0)
            .Select(l => (Event: Abi.FindEvent(l.Topics[0].Span), Log: l))
            .Where(e => e.Event is not null)
            .Select(e => (e.Event!.Name, AbiCodec.DecodeLog(e.Event!, [.. e.Log.Topics.Select(t => t.ToByteArray())], e.Log.Data.Span)))];

    /// <summary>The one event <paramref name="name"/> in the receipt (fails when there is none or more).</summary>
    public JsonObject Event(Receipt receipt, Address at, string name) => Assert.Single(Events(receipt, at), e => e.Name == name).Arguments;
}
