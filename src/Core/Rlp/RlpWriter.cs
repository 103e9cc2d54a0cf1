using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Rlp;

/// <summary>
/// Writes RLP items into a caller-provided span sized with the <c>RlpCodec.LengthOf*</c> methods; allocates nothing.
/// A list is written as its header (with the payload length computed up front) followed by its items.
/// </summary>
public ref struct RlpWriter
{
    private readonly Span<byte> _destination;
    private int _position;

    public RlpWriter(Span<byte> destination)
    {
        _destination = destination;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly Span<byte> Written => _destination[.._position];

    public void WriteString(scoped ReadOnlySpan<byte> content)
    {
        if (content.Length == 1 && content[0] < RlpCodec.ShortStringOffset)
        {
            _destination[_position++] = content[0];
            return;
        }
        WriteHeader(content.Length, RlpCodec.ShortStringOffset, RlpCodec.LongStringOffset);
        content.CopyTo(_destination[_position..]);
        _position += content.Length;
    }

    /// <summary>Writes an unsigned integer as the big-endian byte string without leading zeros.</summary>
    public void WriteUInt64(ulong value)
    {
        if (value < RlpCodec.ShortStringOffset)
        {
            _destination[_position++] = value == 0 ? RlpCodec.EmptyString : (byte)value;
            return;
        }
        var count = RlpCodec.ByteCount(value);
        _destination[_position++] = (byte)(RlpCodec.ShortStringOffset + count);
        RlpCodec.WriteBigEndianTrimmed(value, count, _destination[_position..]);
        _position += count;
    }

    public void WriteUInt256(in UInt256 value)
    {
        if (value.IsUInt64)
        {
            WriteUInt64(value.U0);
            return;
        }
        Span<byte> full = stackalloc byte[UInt256.Size];
        value.WriteBigEndian(full);
        var start = 0;
        while (full[start] == 0)
        {
            start++;
        }
        WriteString(full[start..]);
    }

    /// <summary>Writes the header of a list whose items will encode to <paramref name="payloadLength"/> bytes.</summary>
    public void WriteListHeader(int payloadLength) => WriteHeader(payloadLength, RlpCodec.ShortListOffset, RlpCodec.LongListOffset);

    /// <summary>Copies an already encoded item (or several) verbatim.</summary>
    public void WriteEncoded(scoped ReadOnlySpan<byte> encoded)
    {
        encoded.CopyTo(_destination[_position..]);
        _position += encoded.Length;
    }

    private void WriteHeader(int payloadLength, byte shortOffset, byte longOffset)
    {
        if (payloadLength < RlpCodec.ShortPayloadLimit)
        {
            _destination[_position++] = (byte)(shortOffset + payloadLength);
            return;
        }
        var count = RlpCodec.ByteCount((uint)payloadLength);
        _destination[_position++] = (byte)(longOffset + count);
        RlpCodec.WriteBigEndianTrimmed((uint)payloadLength, count, _destination[_position..]);
        _position += count;
    }
}
