using System.Globalization;
using System.Text.Json;

namespace ShanghaiChain.Vm.Abi;

/// <summary>An ABI value or argument is malformed, out of range, or does not fit the ABI.</summary>
public sealed class AbiException(string message) : Exception(message);

public enum AbiKind
{
    UInt,
    Int,
    Address,
    Bool,
    FixedBytes,
    Bytes,
    String,
    Array,
    FixedArray,
    Tuple,
}

/// <summary>A named parameter of a function, event or tuple. <see cref="Indexed"/> is for event parameters.</summary>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false);

/// <summary>
/// A Solidity ABI type (the contract ABI specification): uint&lt;M&gt;/int&lt;M&gt; (M = 8..256 by 8), address, bool,
/// bytes&lt;M&gt; (1..32), bytes, string, T[], T[k] and tuples.
/// </summary>
public sealed record AbiType
{
    private AbiType(AbiKind kind, int size = 0, AbiType? element = null, IReadOnlyList<AbiParameter>? components = null)
    {
        Kind = kind;
        Size = size;
        Element = element;
        Components = components ?? [];
    }

    public AbiKind Kind { get; }

    /// <summary>Bits for uint/int, bytes for bytesM, the length for T[k].</summary>
    public int Size { get; }

    public AbiType? Element { get; }

    public IReadOnlyList<AbiParameter> Components { get; }

    /// <summary>Encoded in the tail with an offset in the head (bytes, string, T[], and anything containing one).</summary>
    public bool IsDynamic => Kind switch
    {
        AbiKind.Bytes or AbiKind.String or AbiKind.Array => true,
        AbiKind.FixedArray => Element!.IsDynamic,
        AbiKind.Tuple => Components.Any(c => c.Type.IsDynamic),
        _ => false,
    };

    /// <summary>Bytes the type takes in the head: 32 unless a static tuple or static fixed array.</summary>
    public int HeadSize => IsDynamic ? 32 : Kind switch
    {
        AbiKind.FixedArray => Size * Element!.HeadSize,
        AbiKind.Tuple => Components.Sum(c => c.Type.HeadSize),
        _ => 32,
    };

    /// <summary>The canonical name used in signatures, e.g. uint256, (address,uint256)[].</summary>
    public string Canonical => Kind switch
    {
        AbiKind.UInt => $"uint{Size}",
        AbiKind.Int => $"int{Size}",
        AbiKind.Address => "address",
        AbiKind.Bool => "bool",
        AbiKind.FixedBytes => $"bytes{Size}",
        AbiKind.Bytes => "bytes",
        AbiKind.String => "string",
        AbiKind.Array => Element!.Canonical + "[]",
        AbiKind.FixedArray => $"{Element!.Canonical}[{Size}]",
        _ => "(" + string.Join(',', Components.Select(c => c.Type.Canonical)) + ")",
    };

    public override string ToString() => Canonical;

    /// <summary>Parses a type as written in a JSON ABI (tuples take their fields from <paramref name="components"/>).</summary>
    public static AbiType Parse(string type, IReadOnlyList<AbiParameter>? components = null)
    {
        type = type.Trim();
        if (type.EndsWith(']'))
        {
            var open = type.LastIndexOf('[');
            if (open < 0)
            {
                throw new AbiException($"type '{type}' has an unmatched ']'");
            }
            var element = Parse(type[..open], components);
            var length = type[(open + 1)..^1];
            if (length.Length == 0)
            {
                return new AbiType(AbiKind.Array, 0, element);
            }
            if (!int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 1_000_000)
            {
                throw new AbiException($"type '{type}' has a bad array length");
            }
            return new AbiType(AbiKind.FixedArray, n, element);
        }
        if (type == "tuple")
        {
            return new AbiType(AbiKind.Tuple, components: components ?? throw new AbiException("a tuple type needs components"));
        }
        if (type is "address" or "bool" or "bytes" or "string")
        {
            return new AbiType(type switch { "address" => AbiKind.Address, "bool" => AbiKind.Bool, "bytes" => AbiKind.Bytes, _ => AbiKind.String });
        }
        if (type is "uint" or "int")
        {
            return new AbiType(type == "uint" ? AbiKind.UInt : AbiKind.Int, 256);
        }
        foreach (var (prefix, kind) in new[] { ("uint", AbiKind.UInt), ("int", AbiKind.Int), ("bytes", AbiKind.FixedBytes) })
        {
            if (type.StartsWith(prefix, StringComparison.Ordinal) &&
                int.TryParse(type.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                var valid = kind == AbiKind.FixedBytes ? size is >= 1 and <= 32 : size is >= 8 and <= 256 && size % 8 == 0;
                if (!valid)
                {
                    throw new AbiException($"type '{type}' has an invalid size");
                }
                return new AbiType(kind, size);
            }
        }
        throw new AbiException($"unknown ABI type '{type}'");
    }

    /// <summary>Parses a JSON ABI parameter: {"name", "type", "components"?, "indexed"?}.</summary>
    public static AbiParameter ParseParameter(JsonElement parameter)
    {
        var name = parameter.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        if (!parameter.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
        {
            throw new AbiException($"ABI parameter '{name}' has no type");
        }
        IReadOnlyList<AbiParameter>? components = null;
        if (parameter.TryGetProperty("components", out var c) && c.ValueKind == JsonValueKind.Array)
        {
            components = [.. c.EnumerateArray().Select(ParseParameter)];
        }
        var indexed = parameter.TryGetProperty("indexed", out var i) && i.ValueKind == JsonValueKind.True;
        return new AbiParameter(name, Parse(t.GetString()!, components), indexed);
    }
}
