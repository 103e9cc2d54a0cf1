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
    private const int Word = 32;

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
        var bytes = data.ToArray();
        var values = new JsonArray();
        var head = 0;
        foreach (var p in parameters)
        {
            values.Add(DecodeAt(p.Type, bytes, 0, head, Label(p.Name)));
            head += p.Type.HeadSize;
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
                    : DecodeAt(input.Type, word, 0, 0, name);
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
                WriteWord(output, new BigInteger(headSize + tail.Length));
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
                    WriteWord(output, n);
                    break;
                }
            case AbiKind.Address:
                {
                    if (value.ValueKind != JsonValueKind.String || !Address.TryParse(value.GetString(), out var address))
                    {
                        throw new AbiException($"{name}: expected a 20-byte hex address, got {value.GetRawText()}");
                    }
                    output.Write(new byte[12]);
                    output.Write(address.ToArray());
                    break;
                }
            case AbiKind.Bool:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new AbiException($"{name}: expected true or false, got {value.GetRawText()}");
                }
                WriteWord(output, value.GetBoolean() ? BigInteger.One : BigInteger.Zero);
                break;
            case AbiKind.FixedBytes:
                {
                    var bytes = ReadHex(value, name);
                    if (bytes.Length != type.Size)
                    {
                        throw new AbiException($"{name}: {type} needs exactly {type.Size} bytes, got {bytes.Length}");
                    }
                    WritePadded(output, bytes);
                    break;
                }
            case AbiKind.Bytes:
            case AbiKind.String:
                {
                    var bytes = type.Kind == AbiKind.Bytes
                        ? ReadHex(value, name)
                        : Encoding.UTF8.GetBytes(value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new AbiException($"{name}: expected a string, got {value.GetRawText()}"));
                    WriteWord(output, bytes.Length);
                    WritePadded(output, bytes);
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
                        WriteWord(output, items.Count);
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

    /// <summary>A 256-bit two's-complement big-endian word.</summary>
    private static void WriteWord(Stream output, BigInteger value)
    {
        Span<byte> word = stackalloc byte[Word];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        var bytes = value.ToByteArray(isUnsigned: false, isBigEndian: true);
        // A positive value may carry a leading zero sign byte; a word holds at most 32 bytes of magnitude.
        var start = Math.Max(0, bytes.Length - Word);
        bytes.AsSpan(start).CopyTo(word[(Word - (bytes.Length - start))..]);
        output.Write(word);
    }

    private static void WritePadded(Stream output, byte[] bytes)
    {
        output.Write(bytes);
        var pad = (Word - bytes.Length % Word) % Word;
        output.Write(new byte[pad]);
    }

    private static JsonNode? DecodeAt(AbiType type, byte[] data, int tupleStart, int headOffset, string name)
    {
        var at = tupleStart + headOffset;
        if (type.IsDynamic)
        {
            var offset = ReadLength(data, at, name);
            return DecodeValue(type, data, tupleStart + offset, name);
        }
        return DecodeValue(type, data, at, name);
    }

    private static JsonNode? DecodeValue(AbiType type, byte[] data, int at, string name)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
                return new BigInteger(ReadWord(data, at, name), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
            case AbiKind.Int:
                return new BigInteger(ReadWord(data, at, name), isUnsigned: false, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
            case AbiKind.Address:
                return new Address(ReadWord(data, at, name).AsSpan(12)).ToString();
            case AbiKind.Bool:
                return ReadWord(data, at, name)[31] != 0;
            case AbiKind.FixedBytes:
                return "0x" + Convert.ToHexStringLower(ReadWord(data, at, name).AsSpan(0, type.Size));
            case AbiKind.Bytes:
            case AbiKind.String:
                {
                    var length = ReadLength(data, at, name);
                    if ((long)at + Word + length > data.Length)
                    {
                        throw new AbiException($"{name}: {length} bytes run past the end of the data");
                    }
                    var content = data.AsSpan(at + Word, length);
                    return type.Kind == AbiKind.Bytes ? "0x" + Convert.ToHexStringLower(content) : Encoding.UTF8.GetString(content);
                }
            case AbiKind.Array:
            case AbiKind.FixedArray:
                {
                    var count = type.Kind == AbiKind.Array ? ReadLength(data, at, name) : type.Size;
                    var start = type.Kind == AbiKind.Array ? at + Word : at;
                    if (count > data.Length)
                    {
                        throw new AbiException($"{name}: an array of {count} elements cannot fit the data");
                    }
                    var items = new JsonArray();
                    for (var i = 0; i < count; i++)
                    {
                        items.Add(DecodeAt(type.Element!, data, start, i * type.Element!.HeadSize, $"{name}[{i}]"));
                    }
                    return items;
                }
            default:
                {
                    var fields = new JsonObject();
                    var head = 0;
                    for (var i = 0; i < type.Components.Count; i++)
                    {
                        var c = type.Components[i];
                        fields[c.Name.Length > 0 ? c.Name : $"{i}"] = DecodeAt(c.Type, data, at, head, $"{name}.{c.Name}");
                        head += c.Type.HeadSize;
                    }
                    return fields;
                }
        }
    }

    private static byte[] ReadWord(byte[] data, int at, string name)
    {
        if (at < 0 || (long)at + Word > data.Length)
        {
            throw new AbiException($"{name}: the data ends before this value ({data.Length} bytes)");
        }
        return data[at..(at + Word)];
    }

    private static int ReadLength(byte[] data, int at, string name)
    {
        var word = new BigInteger(ReadWord(data, at, name), isUnsigned: true, isBigEndian: true);
        if (word > data.Length)
        {
            throw new AbiException($"{name}: offset or length {word} is beyond the data ({data.Length} bytes)");
        }
        return (int)word;
    }
}
