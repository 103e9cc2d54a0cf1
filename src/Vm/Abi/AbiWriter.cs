using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>
/// Writes ABI words and values: the span primitives <see cref="AbiCodec"/> encodes with, and the return and revert
/// data system contracts produce.
/// </summary>
public static class AbiWriter
{
    /// <summary>The selector of Solidity's <c>Error(string)</c>, which callers see as <c>require</c> messages.</summary>
    public const uint ErrorSelector = 0x08c379a0;

    private const int Word = AbiReader.WordSize;

    /// <summary><paramref name="length"/> bytes rounded up to whole words.</summary>
    public static int PaddedLength(int length) => (length + Word - 1) / Word * Word;

    /// <summary>The size of a <c>bytes</c> or <c>string</c> tail: the length word and the padded data.</summary>
    public static int BytesLength(int length) => Word + PaddedLength(length);

    public static void WriteUInt256(Span<byte> word, in UInt256 value) => value.WriteBigEndian(word);

    public static void WriteBool(Span<byte> word, bool value) => WriteUInt256(word, value ? UInt256.One : UInt256.Zero);

    /// <summary>An address: right-aligned in its word.</summary>
    public static void WriteAddress(Span<byte> word, in Address value)
    {
        word[..(Word - Address.Size)].Clear();
        value.WriteTo(word[(Word - Address.Size)..]);
    }

    /// <summary>A <c>bytesM</c> value: left-aligned in its word, zero-padded.</summary>
    public static void WriteFixedBytes(Span<byte> word, ReadOnlySpan<byte> value)
    {
        value.CopyTo(word);
        word[value.Length..Word].Clear();
    }

    /// <summary>A <c>bytes</c> or <c>string</c> tail (<see cref="BytesLength"/> bytes): the length word, then the data zero-padded to a word.</summary>
    public static void WriteBytes(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        WriteUInt256(destination, new UInt256((ulong)value.Length));
        value.CopyTo(destination[Word..]);
        destination[(Word + value.Length)..BytesLength(value.Length)].Clear();
    }

    /// <summary>One static word: a <c>bytes32</c>.</summary>
    public static byte[] Bytes32(ReadOnlySpan<byte> value)
    {
        if (value.Length != Word)
        {
            throw new ArgumentException("a bytes32 is 32 bytes", nameof(value));
        }
        return value.ToArray();
    }

    /// <summary>One static word: a <c>bool</c>.</summary>
    public static byte[] Bool(bool value)
    {
        var word = new byte[Word];
        WriteBool(word, value);
        return word;
    }

    /// <summary>Solidity's <c>Error(string)</c> revert data: the selector, then the string as a one-value tuple.</summary>
    public static byte[] ErrorReason(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var text = Encoding.UTF8.GetBytes(reason);
        var output = new byte[4 + Word + BytesLength(text.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(output, ErrorSelector);
        WriteUInt256(output.AsSpan(4), new UInt256(Word));
        WriteBytes(output.AsSpan(4 + Word), text);
        return output;
    }
}
