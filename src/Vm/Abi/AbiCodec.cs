using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>
/// Encodes arguments given as JSON into the contract ABI's head/tail layout and decodes return data and logs back to JSON.
/// Input JSON: integers as numbers or strings (decimal, or 0x hex), addresses and bytes as 0x hex, bools, strings,
/// arrays as JSON arrays, tuples as arrays or objects by field name. Output JSON: integers as decimal strings, addresses
/// and bytes as 0x hex. Every malformed or out-of-range value is an <see cref="AbiException"/> naming the parameter.
/// </summary>
public static class AbiCodec
{
    private const int Word = AbiReader.WordSize;

    /// <summary>Encodes <paramref name="arguments"/> (a JSON array in parameter order, or an object by name).</summary>
    public static byte[] Encode(IReadOnlyList<AbiParameter> parameters, JsonElement arguments)
    {
        var values = Arrange(parameters, arguments, "arguments");
        using var output = new MemoryStream();
        EncodeTuple([.. parameters.Select(p => p.Type)], values, [.. parameters.Select(p => Label(p.Name))], output);
        return output.ToArray();
    }

    /// <summary>Parses a JSON text of arguments and encodes it; empty text means no arguments.</summary>
    public static byte[] Encode(IReadOnlyList<AbiParameter> parameters, string? json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return Encode(parameters, document.RootElement);
    }

    /// <summary>Decodes data laid out as a tuple of <paramref name="parameters"/> into a JSON array of values.</summary>
    public static JsonArray Decode(IReadOnlyList<AbiParameter> parameters, ReadOnlySpan<byte> data)
    {
        var tuple = new AbiReader(data);
        var values = new JsonArray();
        var head = 0;
        var budget = new DecodeBudget(data.Length);
        foreach (var p in parameters)
        {
            values.Add(DecodeAt(p.Type, tuple, head, Label(p.Name), budget));
            head += p.Type.HeadSize / Word;
        }
        return values;
    }

    /// <summary>Decodes a log of <paramref name="abiEvent"/>: indexed parameters from topics 1.., the others from data.</summary>
    public static JsonObject DecodeLog(AbiEvent abiEvent, IReadOnlyList<byte[]> topics, ReadOnlySpan<byte> data)
    {
        var result = new JsonObject();
        var topic = abiEvent.Anonymous ? 0 : 1;
        var notIndexed = abiEvent.Inputs.Where(i => !i.Indexed).ToList();
        var decoded = Decode(notIndexed, data);
        var next = 0;
        for (var i = 0; i < abiEvent.Inputs.Count; i++)
        {
            var input = abiEvent.Inputs[i];
            var name = input.Name.Length > 0 ? input.Name : $"arg{i}";
            if (!input.Indexed)
            {
                result[name] = decoded[next++]?.DeepClone();
            }
            else if (topic < topics.Count && topics[topic].Length == Word)
            {
                // A dynamic indexed value is stored as its hash: shown as the raw topic.
                var word = topics[topic++];
                result[name] = input.Type.IsDynamic || input.Type.Kind is AbiKind.Tuple or AbiKind.FixedArray
                    ? "0x" + Convert.ToHexStringLower(word)
                    : DecodeAt(input.Type, new AbiReader(word), 0, name, new DecodeBudget(Word));
            }
            else
            {
                throw new AbiException($"the log has too few topics for event {abiEvent.Signature}");
            }
        }
        return result;
    }

    private static string Label(string name) => name.Length > 0 ? name : "(unnamed)";

    private static List<JsonElement> Arrange(IReadOnlyList<AbiParameter> parameters, JsonElement value, string what)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var items = value.EnumerateArray().ToList();
            if (items.Count != parameters.Count)
            {
                throw new AbiException($"{what}: expected {parameters.Count} value(s) ({string.Join(", ", parameters.Select(p => $"{p.Type} {p.Name}".Trim()))}), got {items.Count}");
            }
            return items;
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            return [.. parameters.Select(p => value.TryGetProperty(p.Name, out var v) ? v
                : throw new AbiException($"{what}: missing field '{p.Name}'"))];
        }
        throw new AbiException($"{what} must be a JSON array or object, got {value.ValueKind}");
    }

    private static void EncodeTuple(IReadOnlyList<AbiType> types, IReadOnlyList<JsonElement> values, IReadOnlyList<string> names, Stream output)
    {
        var headSize = types.Sum(t => t.HeadSize);
        using var tail = new MemoryStream();
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                WriteWord(output, new UInt256((ulong)(headSize + tail.Length)));
                EncodeValue(types[i], values[i], names[i], tail);
            }
            else
            {
                EncodeValue(types[i], values[i], names[i], output);
            }
        }
        tail.Position = 0;
        tail.CopyTo(output);
    }

    private static void EncodeValue(AbiType type, JsonElement value, string name, Stream output)
    {
        Span<byte> word = stackalloc byte[Word];
        switch (type.Kind)
        {
            case AbiKind.UInt:
            case AbiKind.Int:
                {
                    var n = ReadInteger(value, name);
                    var bits = type.Size;
                    var (min, max) = type.Kind == AbiKind.UInt
                        ? (BigInteger.Zero, (BigInteger.One << bits) - 1)
                        : (-(BigInteger.One << (bits - 1)), (BigInteger.One << (bits - 1)) - 1);
                    if (n < min || n > max)
                    {
                        throw new AbiException($"{name}: {n} does not fit {type}");
                    }
                    // Two's complement: a negative value is its 2^256 complement.
                    UInt256.TryFromBigInteger(n.Sign < 0 ? n + (BigInteger.One << 256) : n, out var encoded);
                    WriteWord(output, encoded);
                    break;
                }
            case AbiKind.Address:
                {
                    if (value.ValueKind != JsonValueKind.String || !Address.TryParse(value.GetString(), out var address))
                    {
                        throw new AbiException($"{name}: expected a 20-byte hex address, got {value.GetRawText()}");
                    }
                    AbiWriter.WriteAddress(word, address);
                    output.Write(word);
                    break;
                }
            case AbiKind.Bool:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new AbiException($"{name}: expected true or false, got {value.GetRawText()}");
                }
                AbiWriter.WriteBool(word, value.GetBoolean());
                output.Write(word);
                break;
            case AbiKind.FixedBytes:
                {
                    var bytes = ReadHex(value, name);
                    if (bytes.Length != type.Size)
                    {
                        throw new AbiException($"{name}: {type} needs exactly {type.Size} bytes, got {bytes.Length}");
                    }
                    AbiWriter.WriteFixedBytes(word, bytes);
                    output.Write(word);
                    break;
                }
            case AbiKind.Bytes:
            case AbiKind.String:
                {
                    var bytes = type.Kind == AbiKind.Bytes
                        ? ReadHex(value, name)
                        : Encoding.UTF8.GetBytes(value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new AbiException($"{name}: expected a string, got {value.GetRawText()}"));
                    var encoded = new byte[AbiWriter.BytesLength(bytes.Length)];
                    AbiWriter.WriteBytes(encoded, bytes);
                    output.Write(encoded);
                    break;
                }
            case AbiKind.Array:
            case AbiKind.FixedArray:
                {
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        throw new AbiException($"{name}: expected a JSON array for {type}, got {value.ValueKind}");
                    }
                    var items = value.EnumerateArray().ToList();
                    if (type.Kind == AbiKind.FixedArray && items.Count != type.Size)
                    {
                        throw new AbiException($"{name}: {type} needs {type.Size} elements, got {items.Count}");
                    }
                    if (type.Kind == AbiKind.Array)
                    {
                        WriteWord(output, new UInt256((ulong)items.Count));
                    }
                    EncodeTuple([.. items.Select(_ => type.Element!)], items, [.. items.Select((_, i) => $"{name}[{i}]")], output);
                    break;
                }
            default:
                {
                    var values = Arrange(type.Components, value, name);
                    EncodeTuple([.. type.Components.Select(c => c.Type)], values, [.. type.Components.Select(c => $"{name}.{c.Name}")], output);
                    break;
                }
        }
    }

    private static BigInteger ReadInteger(JsonElement value, string name)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!.Trim(),
            _ => throw new AbiException($"{name}: expected an integer, got {value.GetRawText()}"),
        };
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        BigInteger n;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (digits.Length == 2 || !BigInteger.TryParse("0" + digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out n))
            {
                throw new AbiException($"{name}: '{text}' is not a hex integer");
            }
        }
        else if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !BigInteger.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out n))
        {
            throw new AbiException($"{name}: '{text}' is not an integer (decimal digits or 0x hex; no exponents or fractions)");
        }
        return negative ? -n : n;
    }

    private static byte[] ReadHex(JsonElement value, string name)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new AbiException($"{name}: expected 0x hex bytes, got {value.GetRawText()}");
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new AbiException($"{name}: '{text}' is not hex bytes");
        }
    }

    private static void WriteWord(Stream output, in UInt256 value)
    {
        Span<byte> word = stackalloc byte[Word];
        AbiWriter.WriteUInt256(word, value);
        output.Write(word);
    }

    /// <summary>
    /// The value at head word <paramref name="word"/> of <paramref name="tuple"/>: in place when static, else where its
    /// offset points.
    /// </summary>
    private static JsonNode? DecodeAt(AbiType type, AbiReader tuple, int word, string name, DecodeBudget budget)
    {
        budget.Spend(Word, name);
        switch (type.Kind)
        {
            case AbiKind.UInt:
                return new BigInteger(ReadWord(tuple, word, name), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
            case AbiKind.Int:
                return new BigInteger(ReadWord(tuple, word, name), isUnsigned: false, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
            case AbiKind.Address:
                return new Address(ReadWord(tuple, word, name)[(Word - Address.Size)..]).ToString();
            case AbiKind.Bool:
                return ReadWord(tuple, word, name)[Word - 1] != 0;
            case AbiKind.FixedBytes:
                return "0x" + Convert.ToHexStringLower(ReadWord(tuple, word, name)[..type.Size]);
            case AbiKind.Bytes:
            case AbiKind.String:
                {
                    if (!tuple.TryBytes(word, out var content))
                    {
                        throw new AbiException($"{name}: its offset or length runs past the end of the data");
                    }
                    budget.Spend(content.Length, name);
                    return type.Kind == AbiKind.Bytes ? "0x" + Convert.ToHexStringLower(content) : Encoding.UTF8.GetString(content);
                }
            case AbiKind.Array:
                {
                    if (!tuple.TryArray(word, out var count, out var elements))
                    {
                        throw new AbiException($"{name}: its offset or length runs past the end of the data");
                    }
                    return DecodeElements(type.Element!, count, elements, 0, name, budget);
                }
            case AbiKind.FixedArray:
                {
                    var elements = Inner(type, tuple, word, name, out var first);
                    return DecodeElements(type.Element!, type.Size, elements, first, name, budget);
                }
            default:
                {
                    var components = Inner(type, tuple, word, name, out var head);
                    var fields = new JsonObject();
                    for (var i = 0; i < type.Components.Count; i++)
                    {
                        var c = type.Components[i];
                        fields[c.Name.Length > 0 ? c.Name : $"{i}"] = DecodeAt(c.Type, components, head, $"{name}.{c.Name}", budget);
                        head += c.Type.HeadSize / Word;
                    }
                    return fields;
                }
        }
    }

    /// <summary>
    /// Where a fixed array's elements or a tuple's components start: inline at <paramref name="word"/> when the type is
    /// static, else at word 0 of the encoding its offset points to.
    /// </summary>
    private static AbiReader Inner(AbiType type, AbiReader tuple, int word, string name, out int first)
    {
        first = 0;
        if (!type.IsDynamic)
        {
            first = word;
            return tuple;
        }
        return tuple.TryTail(word, out var inner) ? inner : throw new AbiException($"{name}: its offset runs past the end of the data");
    }

    private static JsonArray DecodeElements(AbiType element, int count, AbiReader elements, int first, string name, DecodeBudget budget)
    {
        var items = new JsonArray();
        var size = element.HeadSize / Word;
        for (var i = 0; i < count; i++)
        {
            items.Add(DecodeAt(element, elements, first + (i * size), $"{name}[{i}]", budget));
        }
        return items;
    }

    private static ReadOnlySpan<byte> ReadWord(AbiReader tuple, int word, string name) =>
        tuple.TryWord(word, out var value) ? value : throw new AbiException($"{name}: the data ends before this value");

    /// <summary>
    /// Bounds what decoding may produce by the size of the data. Offsets may point into bytes another value already uses
    /// (the specification does not forbid it), so without a bound 68 KB of nested string[][] whose offsets all alias
    /// decode to gigabytes (found by tools/fuzz, target abi). An encoder gives each value bytes of its own: one word per
    /// value plus its content never exceeds the data, so the bound leaves a wide margin.
    /// </summary>
    private sealed class DecodeBudget(int dataLength)
    {
        private long _left = 64 * 1024 + 16L * dataLength;

        public void Spend(int bytes, string name)
        {
            _left -= bytes;
            if (_left < 0)
            {
                throw new AbiException($"{name}: the data decodes to far more than its own size (offsets that point into the same bytes again and again)");
            }
        }
    }
}
