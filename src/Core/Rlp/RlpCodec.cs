using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Rlp;

/// <summary>
/// Recursive Length Prefix encoding (Ethereum yellow paper, appendix B): sizes, one-shot encoders,
/// header parsing and strict validation. Streaming work goes through <see cref="RlpWriter"/> and <see cref="RlpReader"/>.
/// </summary>
public static class RlpCodec
{
    /// <summary>Deepest list nesting the validator accepts, so hostile input cannot exhaust the stack.</summary>
    public const int MaxDepth = 1024;

    /// <summary>The encoding of the empty byte string (and of the integer zero).</summary>
    public const byte EmptyString = 0x80;

    /// <summary>The encoding of the empty list.</summary>
    public const byte EmptyList = 0xc0;

    internal const byte ShortStringOffset = 0x80;
    internal const byte LongStringOffset = 0xb7;
    internal const byte ShortListOffset = 0xc0;
    internal const byte LongListOffset = 0xf7;
    internal const int ShortPayloadLimit = 56;

    /// <summary>Bytes taken by the header of an item (string or list) whose payload is <paramref name="payloadLength"/> bytes.</summary>
    public static int LengthOfHeader(int payloadLength) =>
        payloadLength < ShortPayloadLimit ? 1 : 1 + ByteCount((uint)payloadLength);

    /// <summary>Bytes taken by the encoding of the byte string <paramref name="content"/>.</summary>
    public static int LengthOfString(ReadOnlySpan<byte> content) =>
        content.Length == 1 && content[0] < ShortStringOffset ? 1 : LengthOfHeader(content.Length) + content.Length;

    /// <summary>Bytes taken by a list whose items together encode to <paramref name="payloadLength"/> bytes.</summary>
    public static int LengthOfList(int payloadLength) => LengthOfHeader(payloadLength) + payloadLength;

    /// <summary>Bytes taken by an unsigned integer (big-endian, no leading zeros; zero is the empty string).</summary>
    public static int LengthOfUInt64(ulong value) => value < ShortStringOffset ? 1 : 1 + ByteCount(value);

    /// <summary>Bytes taken by a 256-bit unsigned integer.</summary>
    public static int LengthOfUInt256(in UInt256 value)
    {
        if (value.IsUInt64)
        {
            return LengthOfUInt64(value.U0);
        }
        var significant = value.U3 != 0 ? 24 + ByteCount(value.U3) : value.U2 != 0 ? 16 + ByteCount(value.U2) : 8 + ByteCount(value.U1);
        return 1 + significant;
    }

    /// <summary>Encodes one byte string.</summary>
    public static byte[] EncodeString(ReadOnlySpan<byte> content)
    {
        var result = new byte[LengthOfString(content)];
        var writer = new RlpWriter(result);
        writer.WriteString(content);
        return result;
    }

    /// <summary>Encodes one unsigned integer.</summary>
    public static byte[] EncodeUInt64(ulong value)
    {
        var result = new byte[LengthOfUInt64(value)];
        var writer = new RlpWriter(result);
        writer.WriteUInt64(value);
        return result;
    }

    /// <summary>Encodes a list of byte strings (convenience for small, cold structures).</summary>
    public static byte[] EncodeList(params ReadOnlySpan<byte[]> items)
    {
        var payload = 0;
        foreach (var item in items)
        {
            payload += LengthOfString(item);
        }
        var result = new byte[LengthOfList(payload)];
        var writer = new RlpWriter(result);
        writer.WriteListHeader(payload);
        foreach (var item in items)
        {
            writer.WriteString(item);
        }
        return result;
    }

    /// <summary>
    /// Parses the header of the item at the start of <paramref name="data"/>, rejecting every non-canonical form
    /// and any header that announces more bytes than <paramref name="data"/> holds.
    /// </summary>
    public static RlpError TryReadHeader(ReadOnlySpan<byte> data, out RlpHeader header)
    {
        header = default;
        if (data.IsEmpty)
        {
            return RlpError.Truncated;
        }
        var prefix = data[0];
        bool isList;
        int headerLength;
        int payloadLength;
        if (prefix < ShortStringOffset)
        {
            header = new RlpHeader(false, 0, 1);
            return RlpError.None;
        }
        if (prefix <= LongStringOffset || (prefix >= ShortListOffset && prefix <= LongListOffset))
        {
            isList = prefix >= ShortListOffset;
            headerLength = 1;
            payloadLength = prefix - (isList ? ShortListOffset : ShortStringOffset);
            if (!isList && payloadLength == 1)
            {
                if (data.Length < 2)
                {
                    return RlpError.Truncated;
                }
                if (data[1] < ShortStringOffset)
                {
                    return RlpError.NonCanonicalSingleByte;
                }
            }
        }
        else
        {
            isList = prefix > LongListOffset;
            var lengthOfLength = prefix - (isList ? LongListOffset : LongStringOffset);
            if (data.Length < 1 + lengthOfLength)
            {
                return RlpError.Truncated;
            }
            if (data[1] == 0)
            {
                return RlpError.LeadingZeroInLength;
            }
            if (lengthOfLength > 4)
            {
                return RlpError.LengthOverflow;
            }
            uint length = 0;
            for (var i = 1; i <= lengthOfLength; i++)
            {
                length = (length << 8) | data[i];
            }
            if (length > int.MaxValue - 5)
            {
                return RlpError.LengthOverflow;
            }
            if (length < ShortPayloadLimit)
            {
                return RlpError.NonCanonicalLengthForm;
            }
            headerLength = 1 + lengthOfLength;
            payloadLength = (int)length;
        }
        if ((long)headerLength + payloadLength > data.Length)
        {
            return RlpError.Truncated;
        }
        header = new RlpHeader(isList, headerLength, payloadLength);
        return RlpError.None;
    }

    /// <summary>
    /// Checks that <paramref name="encoded"/> is exactly one canonical RLP item, lists included recursively,
    /// with nothing after it.
    /// </summary>
    public static RlpError Validate(ReadOnlySpan<byte> encoded)
    {
        var error = TryReadHeader(encoded, out var header);
        if (error != RlpError.None)
        {
            return error;
        }
        if (header.ItemLength != encoded.Length)
        {
            return RlpError.TrailingBytes;
        }
        return header.IsList ? ValidateSequence(encoded.Slice(header.HeaderLength, header.PayloadLength), 1) : RlpError.None;
    }

    private static RlpError ValidateSequence(ReadOnlySpan<byte> items, int depth)
    {
        if (depth > MaxDepth)
        {
            return RlpError.TooDeep;
        }
        while (!items.IsEmpty)
        {
            var error = TryReadHeader(items, out var header);
            if (error != RlpError.None)
            {
                return error;
            }
            if (header.IsList)
            {
                error = ValidateSequence(items.Slice(header.HeaderLength, header.PayloadLength), depth + 1);
                if (error != RlpError.None)
                {
                    return error;
                }
            }
            items = items[header.ItemLength..];
        }
        return RlpError.None;
    }

    internal static int ByteCount(ulong value) => value == 0 ? 0 : 8 - (System.Numerics.BitOperations.LeadingZeroCount(value) >> 3);

    internal static void WriteBigEndianTrimmed(ulong value, int byteCount, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
        buffer[(8 - byteCount)..].CopyTo(destination);
    }
}
