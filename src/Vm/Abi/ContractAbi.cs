using System.Text.Json;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>A function (or constructor) of a contract: its inputs, outputs, signature and 4-byte selector.</summary>
public sealed record AbiFunction(string Name, IReadOnlyList<AbiParameter> Inputs, IReadOnlyList<AbiParameter> Outputs, string StateMutability)
{
    /// <summary>name(type,...) with canonical types.</summary>
    public string Signature => $"{Name}({string.Join(',', Inputs.Select(i => i.Type.Canonical))})";

    public byte[] Selector => AbiSignature.Hash(Signature).ToArray()[..4];

    /// <summary>view and pure functions do not change state: read them with a call instead of a transaction.</summary>
    public bool IsReadOnly => StateMutability is "view" or "pure";

    /// <summary>Selector followed by the encoded arguments (a JSON array, or an object by parameter name).</summary>
    public byte[] EncodeCall(JsonElement arguments) => [.. Selector, .. AbiCodec.Encode(Inputs, arguments)];
}

/// <summary>An event: topic 0 is the hash of its signature (unless anonymous), indexed parameters follow as topics.</summary>
public sealed record AbiEvent(string Name, IReadOnlyList<AbiParameter> Inputs, bool Anonymous)
{
    public string Signature => $"{Name}({string.Join(',', Inputs.Select(i => i.Type.Canonical))})";

    public Hash32 Topic => AbiSignature.Hash(Signature);
}

/// <summary>A contract's JSON ABI (as solc writes it): functions, the constructor, events and custom errors.</summary>
public sealed class ContractAbi
{
    private ContractAbi(IReadOnlyList<AbiFunction> functions, AbiFunction? constructor, IReadOnlyList<AbiEvent> events, IReadOnlyList<AbiFunction> errors)
    {
        Functions = functions;
        Constructor = constructor;
        Events = events;
        Errors = errors;
    }

    public IReadOnlyList<AbiFunction> Functions { get; }

    public AbiFunction? Constructor { get; }

    public IReadOnlyList<AbiEvent> Events { get; }

    /// <summary>Custom errors (error NotOwner(address)): selector and parameters, to decode revert data.</summary>
    public IReadOnlyList<AbiFunction> Errors { get; }

    public static ContractAbi Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new AbiException($"the ABI is not valid JSON: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            // solc --combined-json and Hardhat artifacts wrap the ABI in an object.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("abi", out var inner))
            {
                root = inner;
            }
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new AbiException("the ABI must be a JSON array of entries");
            }
            var functions = new List<AbiFunction>();
            var events = new List<AbiEvent>();
            var errors = new List<AbiFunction>();
            AbiFunction? constructor = null;
            foreach (var entry in root.EnumerateArray())
            {
                var type = entry.TryGetProperty("type", out var t) ? t.GetString() : "function";
                var name = entry.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                var inputs = Parameters(entry, "inputs");
                switch (type)
                {
                    case "function":
                        functions.Add(new AbiFunction(name, inputs, Parameters(entry, "outputs"), Mutability(entry)));
                        break;
                    case "constructor":
                        constructor = new AbiFunction("constructor", inputs, [], Mutability(entry));
                        break;
                    case "event":
                        events.Add(new AbiEvent(name, inputs, entry.TryGetProperty("anonymous", out var a) && a.ValueKind == JsonValueKind.True));
                        break;
                    case "error":
                        errors.Add(new AbiFunction(name, inputs, [], "pure"));
                        break;
                }
            }
            return new ContractAbi(functions, constructor, events, errors);
        }
    }

    /// <summary>A function by name, or by full signature when the name is overloaded.</summary>
    public AbiFunction GetFunction(string nameOrSignature)
    {
        var matches = Functions.Where(f => f.Name == nameOrSignature || f.Signature == nameOrSignature).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new AbiException($"the ABI has no function '{nameOrSignature}'"),
            _ => throw new AbiException($"'{nameOrSignature}' is overloaded; name one of: {string.Join(", ", matches.Select(m => m.Signature))}"),
        };
    }

    /// <summary>The event a log belongs to (by topic 0), or null.</summary>
    public AbiEvent? FindEvent(ReadOnlySpan<byte> topic0)
    {
        foreach (var e in Events)
        {
            if (!e.Anonymous && e.Topic.ToArray().AsSpan().SequenceEqual(topic0))
            {
                return e;
            }
        }
        return null;
    }

    /// <summary>A custom error by the first 4 bytes of revert data, or null.</summary>
    public AbiFunction? FindError(ReadOnlySpan<byte> selector)
    {
        if (selector.Length < 4)
        {
            return null;
        }
        foreach (var error in Errors)
        {
            if (error.Selector.AsSpan().SequenceEqual(selector[..4]))
            {
                return error;
            }
        }
        return null;
    }

    private static List<AbiParameter> Parameters(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(AbiType.ParseParameter)]
            : [];

    private static string Mutability(JsonElement entry) =>
        entry.TryGetProperty("stateMutability", out var m) ? m.GetString() ?? "nonpayable" : "nonpayable";
}
