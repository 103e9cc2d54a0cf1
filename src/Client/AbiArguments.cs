using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Client;

/// <summary>
/// .NET values as the ABI codec's JSON arguments (docs/evm.md): integers (any .NET integer type, <see cref="BigInteger"/>,
/// <see cref="UInt256"/>) as decimal, <see cref="Address"/> and <see cref="Hash32"/> and byte arrays as 0x hex,
/// strings and booleans as themselves, lists and arrays as JSON arrays (arrays and tuples), and a <see cref="JsonNode"/>
/// as given. Anything else is refused here with its position, before anything is sent.
/// </summary>
public static class AbiArguments
{
    public static JsonElement ToJson(IReadOnlyList<object?> arguments)
    {
        var array = new JsonArray();
        for (var i = 0; i < arguments.Count; i++)
        {
            array.Add(ToNode(arguments[i], $"argument {i}"));
        }
        return JsonDocument.Parse(array.ToJsonString()).RootElement.Clone();
    }

    private static JsonNode? ToNode(object? value, string where) => value switch
    {
        null => throw new ArgumentException($"{where} is null; ABI values cannot be null"),
        JsonNode node => node.DeepClone(),
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        byte or sbyte or short or ushort or int or uint or long or ulong =>
            JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
        BigInteger big => JsonValue.Create(big.ToString(CultureInfo.InvariantCulture)),
        UInt256 word => JsonValue.Create(word.ToString()),
        Address address => JsonValue.Create(address.ToString()),
        Hash32 hash => JsonValue.Create(Hex.EncodePrefixed(hash.ToArray())),
        byte[] bytes => JsonValue.Create("0x" + Convert.ToHexStringLower(bytes)),
        ReadOnlyMemory<byte> memory => JsonValue.Create("0x" + Convert.ToHexStringLower(memory.Span)),
        IEnumerable items => new JsonArray([.. items.Cast<object?>().Select((item, j) => ToNode(item, $"{where}[{j}]"))]),
        _ => throw new ArgumentException($"{where} is a {value.GetType().Name}, which has no ABI encoding here; pass a string, number, bool, Address, Hash32, UInt256, byte[], list or JsonNode"),
    };
}
